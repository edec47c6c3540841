import type { Meter } from '@opentelemetry/api';

/** The providers the Prompter-like load probes. */
export const PROVIDERS = ['openai', 'anthropic', 'google'];

/**
 * The Prompter-like instruments on a real SDK meter, recorded in rounds: probes (the failure ratio),
 * version cache hits (a ratio), Celery retries over 150 queues (past the shipped cap of 100) and HTTP
 * durations over 260 routes (past the route cap of 200, with 5xx). `salt` varies the values per service.
 */
export function prompterRounds(m: Meter, salt: number) {
  const attempts = m.createCounter('prompter.probe.attempts');
  const failures = m.createCounter('prompter.probe.failures');
  const hits = m.createCounter('prompter.version_cache.hits');
  const lookups = m.createCounter('prompter.version.lookups');
  const retries = m.createCounter('celery.task.retries');
  const duration = m.createHistogram('http.server.request.duration', { unit: 's' });
  /** What was added to prompter.probe.attempts, by provider. */
  const attempted = new Map<string, number>();
  return {
    attempted,
    /** Records round `round` (1, 2, …); the caller exports it. */
    record(round: number): void {
      for (const [i, p] of PROVIDERS.entries()) {
        const n = 10 * round + i + salt;
        attempts.add(n, { provider: p, model: 'm1' });
        attempted.set(p, (attempted.get(p) ?? 0) + n);
        failures.add(round + (i % 2) + (salt % 3), { provider: p, model: 'm1' });
      }
      hits.add(3 * round + salt);
      lookups.add(5 * round + salt);
      for (let q = 0; q < 150; q++) retries.add(q + round, { queue: `q${q}` });
      for (let r = 0; r < 260; r++) duration.record(0.01 * ((r % 7) + 1), { 'http.request.method': 'GET', 'http.route': `/v1/items/${r}`, 'http.response.status_code': (r + salt + round) % 9 === 0 ? 500 : 200 });
    },
  };
}
