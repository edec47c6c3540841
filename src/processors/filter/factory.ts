import { metricsProcessorFactory } from '../processor-helper.ts';
import { filterConfigSchema } from './config.ts';
import { FilterTransform } from './filter.ts';
import { filterProcessorNames } from './names.ts';

export const filterProcessorFactory = metricsProcessorFactory({
  type: 'filter',
  configSchema: filterConfigSchema,
  metricNames: filterProcessorNames,
  create: (settings, config) => new FilterTransform(config, settings),
});
