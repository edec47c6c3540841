import { metricsProcessorFactory } from '../processor-helper.ts';
import { ratioConfigSchema } from './config.ts';
import { RatioTransform } from './ratio.ts';
import { ratioNames } from './names.ts';

export const ratioProcessorFactory = metricsProcessorFactory({
  type: 'ratio',
  configSchema: ratioConfigSchema,
  metricNames: ratioNames,
  create: (settings, config) => new RatioTransform(config, settings),
});
