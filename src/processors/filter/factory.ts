import { metricsProcessorFactory } from '../processor-helper.ts';
import { filterConfigSchema } from './config.ts';
import { FilterTransform } from './filter.ts';

export const filterProcessorFactory = metricsProcessorFactory({
  type: 'filter',
  configSchema: filterConfigSchema,
  create: (settings, config) => new FilterTransform(config, settings),
});
