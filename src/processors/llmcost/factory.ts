import { metricsProcessorFactory } from '../processor-helper.ts';
import { llmcostConfigSchema } from './config.ts';
import { LlmcostTransform } from './llmcost.ts';

export const llmcostProcessorFactory = metricsProcessorFactory({
  type: 'llmcost',
  configSchema: llmcostConfigSchema,
  create: (settings, config) => new LlmcostTransform(config, settings),
});
