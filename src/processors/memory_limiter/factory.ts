import type { SignalBatches } from '../../model/signal-batches.ts';
import { everySignalProcessorFactory, type SignalStage } from '../processor-helper.ts';
import type { ProcessorFactory } from '../../component/component.ts';
import { memoryLimiterConfigSchema, memoryLimits, type MemoryLimiterConfig } from './config.ts';
import { processMemory } from './process-memory.ts';
import { MemoryLimiter } from './memory-limiter.ts';
import { passNames } from '../../component/name-flow.ts';

/** A pipeline's stage: while its limiter refuses, a batch never reaches the next stage. */
export function limitedStage<T>(limiter: MemoryLimiter, batches: SignalBatches<T>, next: (batch: T) => Promise<void>): SignalStage<T> {
  return {
    start: async () => limiter.start(),
    shutdown: async () => limiter.shutdown(),
    async consume(batch) {
      if (limiter.refusing) throw limiter.refusal(batches.signal, batches.count(batch));
      return next(batch);
    },
  };
}

/** One limiter per pipeline, each measuring on its own timer. */
export const memoryLimiterProcessorFactory: ProcessorFactory<MemoryLimiterConfig> = {
  ...everySignalProcessorFactory({
    type: 'memory_limiter',
    configSchema: memoryLimiterConfigSchema,
    metricNames: passNames,
    create: (settings, config, batches, next) => limitedStage(new MemoryLimiter(config, settings), batches, next),
  }),
  refusesAboveBytes: (config) => memoryLimits(config, processMemory.totalBytes()).softBytes,
};
