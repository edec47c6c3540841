import type { Attributes } from '@opentelemetry/api';
import { meter } from './telemetry.ts';

/** Ensure-version latency buckets (s): fine around the 3 s of the "Ensure-version p95 > 3s" alert (seed 000). */
export const ENSURE_VERSION_BOUNDS_S = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 2.5, 3, 4, 5, 7.5, 10, 30];
/** Celery task run time buckets (s), for the "Celery p95 runtime" panel: sub-second tasks to minutes. */
export const CELERY_RUNTIME_BOUNDS_S = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/**
 * The Prompter's domain instruments, with the OpenTelemetry names of ARCHITECTURE.md §5. The gateway's
 * pipelines rename them to what the dashboards query. The histograms carry bucket advice: the SDK's
 * default buckets (0, 5, 10, 25 … s) could not tell a p95 of 3 s from one of 5 s.
 */
export function createInstruments() {
  const m = meter();
  let redisUp = 1;
  m.createObservableGauge('prompter.redis.up', { description: 'Whether Redis answers (1) or not (0).' }).addCallback((r) => r.observe(redisUp));
  return {
    probeAttempts: m.createCounter('prompter.probe.attempts', { description: 'Provider probe attempts.' }),
    probeFailures: m.createCounter('prompter.probe.failures', { description: 'Provider probe failures.' }),
    ensureVersion: m.createHistogram('prompter.ensure_version.duration', { unit: 's', description: 'Time to ensure a prompt version exists.', advice: { explicitBucketBoundaries: ENSURE_VERSION_BOUNDS_S } }),
    versionCacheHits: m.createCounter('prompter.version_cache.hits', { description: 'Version lookups answered from the cache.' }),
    versionLookups: m.createCounter('prompter.version.lookups', { description: 'Version lookups.' }),
    resultInserts: m.createCounter('prompter.prompt_results.inserts', { description: 'Prompt results inserted.' }),
    fingerprintPresent: m.createCounter('prompter.openai_fingerprint.present', { description: 'Inserted results that carry an OpenAI system fingerprint.' }),
    uniqueViolations: m.createCounter('prompter.db.unique_violations', { description: 'Inserts blocked by a unique constraint (deduplication).' }),
    celeryRuntime: m.createHistogram('celery.task.runtime', { unit: 's', description: 'Celery task run time.', advice: { explicitBucketBoundaries: CELERY_RUNTIME_BOUNDS_S } }),
    celeryRetries: m.createCounter('celery.task.retries', { description: 'Celery task retries.' }),
    rateLimitHits: m.createCounter('prompter.rate_limit.hits', { description: 'Requests refused by the rate limiter.' }),
    // The GenAI semantic conventions' token histogram, as LLM client instrumentations record it.
    tokenUsage: m.createHistogram('gen_ai.client.token.usage', { unit: '{token}', description: 'Measures number of input and output tokens used.' }),
    setRedisUp(up: boolean) {
      redisUp = up ? 1 : 0;
    },
  };
}

export type Instruments = ReturnType<typeof createInstruments>;
export type { Attributes };
