import { metricsProcessorFactory } from '../processor-helper.ts';
import { AttributesTransform } from './attributes.ts';
import { attributesConfigSchema } from './config.ts';
import { attributesNames } from './names.ts';

export const attributesProcessorFactory = metricsProcessorFactory({
  type: 'attributes',
  configSchema: attributesConfigSchema,
  metricNames: attributesNames,
  create: (_settings, config) => new AttributesTransform(config),
});
