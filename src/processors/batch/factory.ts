import { everySignalProcessorFactory } from '../processor-helper.ts';
import { Batcher } from './batcher.ts';
import { batchConfigSchema } from './config.ts';
import { passNames } from '../../component/name-flow.ts';

export const batchProcessorFactory = everySignalProcessorFactory({
  type: 'batch',
  configSchema: batchConfigSchema,
  // Batching regroups points; it makes, removes and relabels none.
  metricNames: passNames,
  create: (_settings, config, batches, next) => new Batcher(config, batches, next),
});
