import type { ConnectorFactory } from '../../component/component.ts';
import { spanmetricsConfigSchema, type SpanmetricsConfig } from './config.ts';
import { SpanmetricsConnector } from './spanmetrics.ts';

export const spanmetricsConnectorFactory: ConnectorFactory<SpanmetricsConfig> = {
  kind: 'connector',
  type: 'spanmetrics',
  pairs: [['traces', 'metrics']],
  configSchema: spanmetricsConfigSchema,
  // The request metrics it makes from spans (their labels depend on the spans: not told here).
  metricNames: (config) => ({ known: new Map([[`${config.namespace}.calls`, undefined], [`${config.namespace}.duration`, undefined]]), open: [] }),
  create: (settings, config, next) => new SpanmetricsConnector(settings, config, next),
};
