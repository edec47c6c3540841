import type { LogsConsumer, MetricsConsumer, TracesConsumer } from './consumer.ts';
import { ConsumerError } from './errors.ts';

/**
 * Sends one batch to every consumer. All are attempted even if one fails; the first failure is
 * reported, retryable if any failure was retryable (a retry can still help that one).
 */
async function fanOut<T>(consumers: readonly T[], call: (consumer: T) => Promise<void>): Promise<void> {
  if (consumers.length === 1) return call(consumers[0]!);
  const results = await Promise.allSettled(consumers.map(call));
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [ConsumerError.from(r.reason)] : []));
  if (failures.length === 0) return;
  throw failures.find((f) => f.retryable) ?? failures[0];
}

export function fanOutMetrics(consumers: readonly MetricsConsumer[]): MetricsConsumer {
  return { consumeMetrics: (batch) => fanOut(consumers, (c) => c.consumeMetrics(batch)) };
}

export function fanOutTraces(consumers: readonly TracesConsumer[]): TracesConsumer {
  return { consumeTraces: (batch) => fanOut(consumers, (c) => c.consumeTraces(batch)) };
}

export function fanOutLogs(consumers: readonly LogsConsumer[]): LogsConsumer {
  return { consumeLogs: (batch) => fanOut(consumers, (c) => c.consumeLogs(batch)) };
}
