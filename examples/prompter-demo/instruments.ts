import type { Attributes } from '@opentelemetry/api';
import { meter } from './telemetry.ts';

/**
 * The Prompter's domain instruments, with the OpenTelemetry names of ARCHITECTURE.md §5. The gateway's
 * pipelines rename them to what the dashboards query.
 */
export function createInstruments() {
  const m = meter();
  let redisUp = 1;
  m.createObservableGauge('prompter.redis.up', { description: 'Whether Redis answers (1) or not (0).' }).addCallback((r) => r.observe(redisUp));
  return {
    probeAttempts: m.createCounter('prompter.probe.attempts', { description: 'Provider probe attempts.' }),
    probeFailures: m.createCounter('prompter.probe.failures', { description: 'Provider probe failures.' }),
    ensureVersion: m.createHistogram('prompter.ensure_version.duration', { unit: 's', description: 'Time to ensure a prompt version exists.' }),
    versionCacheHits: m.createCounter('prompter.version_cache.hits', { description: 'Version lookups answered from the cache.' }),
    versionLookups: m.createCounter('prompter.version.lookups', { description: 'Version lookups.' }),
    resultInserts: m.createCounter('prompter.prompt_results.inserts', { description: 'Prompt results inserted.' }),
    fingerprintPresent: m.createCounter('prompter.openai_fingerprint.present', { description: 'Inserted results that carry an OpenAI system fingerprint.' }),
    uniqueViolations: m.createCounter('prompter.db.unique_violations', { description: 'Inserts blocked by a unique constraint (deduplication).' }),
    celeryRuntime: m.createHistogram('celery.task.runtime', { unit: 's', description: 'Celery task run time.' }),
    celeryRetries: m.createCounter('celery.task.retries', { description: 'Celery task retries.' }),
    rateLimitHits: m.createCounter('prompter.rate_limit.hits', { description: 'Requests refused by the rate limiter.' }),
    setRedisUp(up: boolean) {
      redisUp = up ? 1 : 0;
    },
  };
}

export type Instruments = ReturnType<typeof createInstruments>;
export type { Attributes };
