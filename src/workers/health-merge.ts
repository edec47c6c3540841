import type { ComponentStatus } from '../pipeline/health.ts';

const STATE_ORDER: ComponentStatus['state'][] = ['failed', 'starting', 'created', 'stopping', 'stopped', 'running'];

/**
 * One entry per component for `/health/detailed`, from the copies every worker runs: the least healthy
 * state, the first error, numeric details (queue sizes) summed and others from the first worker; a pull
 * exporter gets the endpoint the main thread serves it on.
 */
export function combineStatuses(perWorker: readonly ComponentStatus[][], scrapeEndpoints: ReadonlyMap<string, string>): ComponentStatus[] {
  const out = new Map<string, ComponentStatus>();
  for (const statuses of perWorker) {
    for (const s of statuses) {
      const key = `${s.kind}:${s.id}:${s.pipelines.join(',')}`;
      const seen = out.get(key);
      if (!seen) {
        out.set(key, { ...s, details: { ...s.details } });
        continue;
      }
      if (STATE_ORDER.indexOf(s.state) < STATE_ORDER.indexOf(seen.state)) seen.state = s.state;
      seen.lastError ??= s.lastError;
      for (const [k, v] of Object.entries(s.details)) {
        const mine = seen.details[k];
        if (typeof v === 'number' && typeof mine === 'number') seen.details[k] = mine + v;
        else if (mine === undefined) seen.details[k] = v;
      }
    }
  }
  for (const s of out.values()) {
    const endpoint = s.kind === 'exporter' ? scrapeEndpoints.get(s.id) : undefined;
    if (endpoint) s.details.endpoint = endpoint;
  }
  return [...out.values()];
}
