import { metricsProcessorFactory } from '../processor-helper.ts';
import { CardinalityTransform } from './cardinality.ts';
import { cardinalityConfigSchema } from './config.ts';
import { relabelNames } from '../../component/name-flow.ts';

export const cardinalityProcessorFactory = metricsProcessorFactory({
  type: 'cardinality',
  configSchema: cardinalityConfigSchema,
  // Names stay; denied labels go, and a series over a limit may fold into one tagged otel.metric.overflow.
  metricNames: (config, input) => relabelNames(input, (_name, labels) => new Set([...labels].filter((l) => !config.deny_labels.includes(l)).concat('otel.metric.overflow'))),
  create: (settings, config) => new CardinalityTransform(config, settings),
});
