import { metricsProcessorFactory } from '../processor-helper.ts';
import { preferConfigSchema } from './config.ts';
import { PreferTransform } from './prefer.ts';

export const preferProcessorFactory = metricsProcessorFactory({
  type: 'prefer',
  configSchema: preferConfigSchema,
  create: (settings, config) => new PreferTransform(config, settings),
});
