import { metricsProcessorFactory } from '../processor-helper.ts';
import { CardinalityTransform } from './cardinality.ts';
import { cardinalityConfigSchema } from './config.ts';

export const cardinalityProcessorFactory = metricsProcessorFactory({
  type: 'cardinality',
  configSchema: cardinalityConfigSchema,
  create: (settings, config) => new CardinalityTransform(config, settings),
});
