import type { ConnectorFactory } from '../../component/component.ts';
import { spanmetricsConfigSchema, type SpanmetricsConfig } from './config.ts';
import { SpanmetricsConnector } from './spanmetrics.ts';

export const spanmetricsConnectorFactory: ConnectorFactory<SpanmetricsConfig> = {
  kind: 'connector',
  type: 'spanmetrics',
  pairs: [['traces', 'metrics']],
  configSchema: spanmetricsConfigSchema,
  create: (settings, config, next) => new SpanmetricsConnector(settings, config, next),
};
