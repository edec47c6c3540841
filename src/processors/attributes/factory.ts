import { metricsProcessorFactory } from '../processor-helper.ts';
import { AttributesTransform } from './attributes.ts';
import { attributesConfigSchema } from './config.ts';

export const attributesProcessorFactory = metricsProcessorFactory({
  type: 'attributes',
  configSchema: attributesConfigSchema,
  create: (_settings, config) => new AttributesTransform(config),
});
