import type { LogsConsumer, MetricsConsumer, TracesConsumer } from './consumer.ts';
import { ConsumerError } from './errors.ts';
import type { MetricsBatch } from '../model/metrics.ts';
import { cloneMetricsBatch } from '../model/clone.ts';

/**
 * Sends one batch to every consumer. All are attempted even if one fails; the first failure is
 * reported, retryable if any failure was retryable (a retry can still help that one).
 */
async function fanOut<T>(consumers: readonly T[], call: (consumer: T, index: number) => Promise<void>): Promise<void> {
  if (consumers.length === 1) return call(consumers[0]!, 0);
  const results = await Promise.allSettled(consumers.map(call));
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [ConsumerError.from(r.reason)] : []));
  if (failures.length === 0) return;
  throw failures.find((f) => f.retryable) ?? failures[0];
}

/**
 * Which batch each consumer gets, as the Collector's fan-out decides it: a consumer that mutates data
 * gets a copy of its own, except the last such one, which gets the batch itself when no read-only
 * consumer shares it (a read-only consumer may still hold the batch after its promise settles: an
 * exporter's queue). Read-only consumers all get the batch itself. With no mutating consumer nothing
 * is copied.
 */
export function ownership(mutates: readonly boolean[]): ('shared' | 'copy' | 'given')[] {
  const mutating = mutates.flatMap((m, i) => (m ? [i] : []));
  const anyReadOnly = mutating.length < mutates.length;
  const last = mutating.at(-1);
  return mutates.map((m, i) => (!m ? 'shared' : i === last && !anyReadOnly ? 'given' : 'copy'));
}

/**
 * The metrics fan-out. `mutates[i]`: whether consumer i changes the batches it gets in place (a
 * pipeline with a processor whose factory says `mutatesData`); absent, none does.
 */
export function fanOutMetrics(consumers: readonly MetricsConsumer[], mutates: readonly boolean[] = []): MetricsConsumer {
  if (!mutates.some(Boolean)) return { consumeMetrics: (batch) => fanOut(consumers, (c) => c.consumeMetrics(batch)) };
  const given = ownership(consumers.map((_, i) => mutates[i] === true));
  // Copies are made before any consumer runs: none sees what another has changed.
  return {
    consumeMetrics: (batch) => {
      const batches: MetricsBatch[] = given.map((g) => (g === 'copy' ? cloneMetricsBatch(batch) : batch));
      return fanOut(consumers, (c, i) => c.consumeMetrics(batches[i]!));
    },
  };
}

export function fanOutTraces(consumers: readonly TracesConsumer[]): TracesConsumer {
  return { consumeTraces: (batch) => fanOut(consumers, (c) => c.consumeTraces(batch)) };
}

export function fanOutLogs(consumers: readonly LogsConsumer[]): LogsConsumer {
  return { consumeLogs: (batch) => fanOut(consumers, (c) => c.consumeLogs(batch)) };
}
