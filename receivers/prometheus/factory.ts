import type { ReceiverFactory } from '../../src/component/component.ts';
import { prometheusReceiverConfigSchema, targetCount, type PrometheusReceiverConfig } from './config.ts';
import { PrometheusReceiver } from './prometheus-receiver.ts';

export const prometheusReceiverFactory: ReceiverFactory<PrometheusReceiverConfig> = {
  kind: 'receiver',
  type: 'prometheus',
  signals: ['metrics'],
  configSchema: prometheusReceiverConfigSchema,
  // No target (e.g. `targets: [${env:X:-}]` with X unset): off, and its pipelines with it unless fed otherwise.
  disabledReason: (c) => (targetCount(c) === 0 ? 'no scrape target is set' : undefined),
  create: (settings, config, next) => new PrometheusReceiver(settings, config, next),
};
