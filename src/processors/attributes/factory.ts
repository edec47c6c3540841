import { metricsProcessorFactory } from '../processor-helper.ts';
import { AttributesTransform } from './attributes.ts';
import { attributesConfigSchema } from './config.ts';
import { attributesNames } from './names.ts';

export const attributesProcessorFactory = metricsProcessorFactory({
  type: 'attributes',
  configSchema: attributesConfigSchema,
  metricNames: attributesNames,
  // Points are relabelled in place (src/pipeline/README.md): the fan-out copies a shared batch for it.
  mutatesData: true,
  create: (_settings, config) => new AttributesTransform(config),
});
