import type { GatewayConfig } from '../config/resolve.ts';
import { ConsumerError } from '../consumer/errors.ts';
import type { MemoryFigures } from '../telemetry/memory-in-use.ts';

/**
 * The lowest memory bound (`refusesAboveBytes`: a memory_limiter's soft limit) among the processors of
 * the pipelines receiver `receiverKey` feeds, through connectors too (a refusal downstream of a
 * connector reaches the receiver as well); undefined when none of them has one.
 */
export function memoryBoundOf(config: GatewayConfig, receiverKey: string): number | undefined {
  let bound: number | undefined;
  const seen = new Set<string>();
  const feeds = [receiverKey];
  for (let key = feeds.pop(); key !== undefined; key = feeds.pop()) {
    if (seen.has(key)) continue;
    seen.add(key);
    for (const pipeline of config.pipelines.filter((p) => p.receivers.includes(key))) {
      for (const name of pipeline.processors) {
        const pc = config.processors.get(name);
        const bytes = pc?.factory.refusesAboveBytes?.(pc.config);
        if (bytes !== undefined && (bound === undefined || bytes < bound)) bound = bytes;
      }
      feeds.push(...pipeline.exporters.filter((e) => config.connectors.has(e)));
    }
  }
  return bound;
}

/** As memory_limiter words its refusal: retryable, no delay of its own (HTTP 503, gRPC UNAVAILABLE, retry in 5 s). */
const REFUSAL = 'data refused due to high memory usage';

/**
 * With `--workers N`, what the main thread's receivers ask before reading a request's body: the
 * memory limiter's refusal while the process (every thread, `figures`) is at or above `bound`, so the
 * main thread stops taking bodies as the workers' limiters stop taking batches. Undefined (nothing to
 * ask) without a bound.
 */
export function memoryRefusal(figures: MemoryFigures, bound: number | undefined): (() => ConsumerError | undefined) | undefined {
  if (bound === undefined) return undefined;
  return () => (figures.total() >= bound ? ConsumerError.retryable(REFUSAL) : undefined);
}
