import type { ReceiverFactory } from '../../src/component/component.ts';
import { natsReceiverConfigSchema, type NatsReceiverConfig } from './config.ts';
import { NatsReceiver } from './nats-receiver.ts';

export const natsReceiverFactory: ReceiverFactory<NatsReceiverConfig> = {
  kind: 'receiver',
  type: 'nats',
  signals: ['metrics', 'traces', 'logs'],
  configSchema: natsReceiverConfigSchema,
  create: (settings, config, next) => new NatsReceiver(settings, config, next),
};
