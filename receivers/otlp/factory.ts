import type { ReceiverFactory } from '../../src/component/component.ts';
import { otlpReceiverConfigSchema, type OtlpReceiverConfig } from './config.ts';
import { OtlpReceiver } from './otlp-receiver.ts';

export const otlpReceiverFactory: ReceiverFactory<OtlpReceiverConfig> = {
  kind: 'receiver',
  type: 'otlp',
  signals: ['metrics', 'traces', 'logs'],
  configSchema: otlpReceiverConfigSchema,
  endpoints: (c) => [
    ...(c.protocols.grpc ? [{ path: ['protocols', 'grpc', 'endpoint'], endpoint: c.protocols.grpc.endpoint }] : []),
    ...(c.protocols.http ? [{ path: ['protocols', 'http', 'endpoint'], endpoint: c.protocols.http.endpoint }] : []),
  ],
  create: (settings, config, next) => new OtlpReceiver(settings, config, next),
};
