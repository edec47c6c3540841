import { metricsProcessorFactory } from '../processor-helper.ts';
import { llmcostConfigSchema } from './config.ts';
import { LlmcostTransform } from './llmcost.ts';
import { mayCarry, unionNames } from '../../component/name-flow.ts';

export const llmcostProcessorFactory = metricsProcessorFactory({
  type: 'llmcost',
  configSchema: llmcostConfigSchema,
  // Its input, and the cost counters wherever token usage can arrive (labelled as the usage, which the config does not tell).
  metricNames: (config, input) => (mayCarry(input, config.metric) ? unionNames([input, { known: new Map([['llm.cost', undefined], ['llm.cost.unpriced_tokens', undefined]]), open: [] }]) : input),
  create: (settings, config) => new LlmcostTransform(config, settings),
});
