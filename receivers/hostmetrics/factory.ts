import type { ReceiverFactory } from '../../src/component/component.ts';
import { hostmetricsReceiverConfigSchema, type HostmetricsReceiverConfig } from './config.ts';
import { HostmetricsReceiver } from './hostmetrics-receiver.ts';
import { hostmetricsNames } from './names.ts';

export const hostmetricsReceiverFactory: ReceiverFactory<HostmetricsReceiverConfig> = {
  kind: 'receiver',
  type: 'hostmetrics',
  signals: ['metrics'],
  configSchema: hostmetricsReceiverConfigSchema,
  metricNames: (config) => hostmetricsNames(config),
  create: (settings, config, next) => new HostmetricsReceiver(settings, config, next),
};
