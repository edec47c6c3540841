import type { z } from 'zod';
import type { CreateSettings, MetricsProcessor, ProcessorFactory } from '../component/component.ts';
import type { MetricsBatch } from '../model/metrics.ts';
import { countDataPoints } from '../model/metrics.ts';
import { LOGS, METRICS, TRACES, type SignalBatches } from '../model/signal-batches.ts';

/** What a processor author writes: a synchronous transform, plus optional lifecycle for timers. */
export interface MetricsTransformer {
  /**
   * Returns the batch to pass on, or undefined to pass nothing. Without `mutatesData` the input is
   * read-only (a new object for what changed); with it the input is the transform's to change.
   */
  processMetrics(batch: MetricsBatch): MetricsBatch | undefined;
  start?(): Promise<void>;
  shutdown?(): Promise<void>;
  /** Optional, for a transform keeping state per series: see `Component.forgetOrigins`. */
  forgetOrigins?(origins: ReadonlySet<string>): void;
}

/**
 * Builds a ProcessorFactory from a transform, as the Collector's processorhelper does: the helper owns
 * the consumer plumbing, so a processor file holds only its own logic. An empty result is not sent on.
 */
export function metricsProcessorFactory<C>(def: {
  type: string;
  configSchema: z.ZodType<C, z.ZodTypeDef, unknown>;
  create(settings: CreateSettings, config: C): MetricsTransformer;
  metricNames?: ProcessorFactory<C>['metricNames'];
  /** `processMetrics` changes the batch it is given in place (see ProcessorFactory.mutatesData). */
  mutatesData?: boolean;
}): ProcessorFactory<C> {
  return {
    kind: 'processor',
    type: def.type,
    configSchema: def.configSchema,
    ...(def.metricNames ? { metricNames: def.metricNames } : {}),
    ...(def.mutatesData ? { mutatesData: true } : {}),
    createMetrics(settings, config, next): MetricsProcessor {
      const t = def.create(settings, config);
      return {
        start: async () => t.start?.(),
        shutdown: async () => t.shutdown?.(),
        ...(t.forgetOrigins ? { forgetOrigins: (origins: ReadonlySet<string>) => t.forgetOrigins!(origins) } : {}),
        async consumeMetrics(batch) {
          const out = t.processMetrics(batch);
          if (out && countDataPoints(out) > 0) await next.consumeMetrics(out);
        },
      };
    },
  };
}

/** One pipeline's stage of a processor that treats every signal alike. */
export interface SignalStage<T> {
  consume(batch: T): Promise<void>;
  start(): Promise<void>;
  shutdown(): Promise<void>;
  /** Optional: see `Component.forgetOrigins`. */
  forgetOrigins?(origins: ReadonlySet<string>): void;
}

/**
 * Builds a ProcessorFactory for metrics, traces and logs from one generic stage: `create` is told the
 * signal's batch operations and gets the next consumer as a function.
 */
export function everySignalProcessorFactory<C>(def: {
  type: string;
  configSchema: z.ZodType<C, z.ZodTypeDef, unknown>;
  create<T>(settings: CreateSettings, config: C, batches: SignalBatches<T>, next: (batch: T) => Promise<void>): SignalStage<T>;
  metricNames?: ProcessorFactory<C>['metricNames'];
}): ProcessorFactory<C> {
  const lifecycle = (s: SignalStage<unknown>) => ({ start: () => s.start(), shutdown: () => s.shutdown(), ...(s.forgetOrigins ? { forgetOrigins: (o: ReadonlySet<string>) => s.forgetOrigins!(o) } : {}) });
  return {
    kind: 'processor',
    type: def.type,
    configSchema: def.configSchema,
    ...(def.metricNames ? { metricNames: def.metricNames } : {}),
    createMetrics(settings, config, next) {
      const s = def.create(settings, config, METRICS, (b) => next.consumeMetrics(b));
      return { ...lifecycle(s), consumeMetrics: (b) => s.consume(b) };
    },
    createTraces(settings, config, next) {
      const s = def.create(settings, config, TRACES, (b) => next.consumeTraces(b));
      return { ...lifecycle(s), consumeTraces: (b) => s.consume(b) };
    },
    createLogs(settings, config, next) {
      const s = def.create(settings, config, LOGS, (b) => next.consumeLogs(b));
      return { ...lifecycle(s), consumeLogs: (b) => s.consume(b) };
    },
  };
}
