import type { ComponentStatus } from '../pipeline/health.ts';

const STATE_ORDER: ComponentStatus['state'][] = ['failed', 'starting', 'created', 'stopping', 'stopped', 'running'];

/** The memory limiter's figures: they come together from one worker, never added up. */
const MEMORY_DETAILS = ['memory_used_mib', 'memory_soft_limit_mib', 'memory_hard_limit_mib'] as const;

type Details = Record<string, unknown>;
/** How one detail of every worker's copy of a component becomes the one shown. */
type DetailMerge = (values: unknown[]) => unknown;

const later = (a: string | null | undefined, b: string | null | undefined) => (!a ? b : !b ? a : b > a ? b : a);

/** Rows by `count`, largest first, then by their keys. */
const largestFirst = (keys: string[], count: string) => (a: Record<string, unknown>, b: Record<string, unknown>) =>
  Number(b[count]) - Number(a[count]) || keys.map((k) => String(a[k]).localeCompare(String(b[k]))).find((c) => c !== 0) || 0;

/** `{[key]: string, [count]: number}` rows added up by key over the workers, largest first, at most `limit`. */
function sumRows(keys: string[], count: string, limit: number): DetailMerge {
  return (values) => {
    const sums = new Map<string, Record<string, unknown>>();
    for (const rows of values) {
      if (!Array.isArray(rows)) continue;
      for (const row of rows as Record<string, unknown>[]) {
        const id = JSON.stringify(keys.map((k) => row[k]));
        const seen = sums.get(id);
        if (seen) seen[count] = Number(seen[count]) + Number(row[count]);
        else sums.set(id, { ...row });
      }
    }
    return [...sums.values()].sort(largestFirst(keys, count)).slice(0, limit);
  };
}

/**
 * `{[key]: string, [count]: number, [hashes]: number[]}` rows (a worker's `MergeableDetail.forMerge`):
 * the hashes of each key unioned over the workers, `count` their number, largest first, at most `limit`,
 * without the hashes. A value two workers saw counts once. `capped` when any worker's part was capped
 * (the union is then a lower bound).
 */
function unionRows(keys: string[], count: string, hashes: string, limit: number): DetailMerge {
  return (values) => {
    const unions = new Map<string, { row: Record<string, unknown>; seen: Set<number> }>();
    for (const rows of values) {
      if (!Array.isArray(rows)) continue;
      for (const { [hashes]: hashed, ...row } of rows as Record<string, unknown>[]) {
        const id = JSON.stringify(keys.map((k) => row[k]));
        const u = unions.get(id) ?? { row: { ...row }, seen: new Set<number>() };
        unions.set(id, u);
        for (const h of Array.isArray(hashed) ? (hashed as number[]) : []) u.seen.add(h);
        if (row.capped) u.row.capped = true;
      }
    }
    const merged = [...unions.values()].map(({ row, seen }) => ({ ...row, [count]: seen.size }));
    return merged.sort(largestFirst(keys, count)).slice(0, limit);
  };
}

/**
 * Details that are not simply added up. Numbers not named here are summed (queue sizes, backlogs); other
 * values are the first worker's.
 * - `queue_oldest_age_seconds`: the oldest over the workers' queues.
 * - `refusing` (memory limiter): true when any worker's limiter refuses (each measures the whole
 *   process, at its own check times).
 * - `api_key_valid`: false when any worker was refused.
 * - `series_by_metric` (cardinality): series per metric added up; the routing rule gives each service's
 *   series to one worker, so the sum is the gateway's count.
 * - `top_labels` (cardinality): distinct values per metric and label, as the union of the values every
 *   worker saw (their hashes), so a value seen in services of two workers counts once, as in a single
 *   thread.
 */
const DETAIL_MERGES: Record<string, DetailMerge> = {
  queue_oldest_age_seconds: (v) => Math.max(...v.map(Number)),
  refusing: (v) => v.some(Boolean),
  api_key_valid: (v) => v.every(Boolean),
  series_by_metric: sumRows(['metric'], 'series', 20),
  top_labels: unionRows(['metric', 'label'], 'distinct_values', 'value_hashes', 5),
};

/** The memory limiter of the worker closest to its hard limit: the one that refuses first (the latest measurement, mostly). */
function mostPressed(copies: Details[]): Details | undefined {
  const share = (d: Details) => Number(d.memory_used_mib) / Number(d.memory_hard_limit_mib);
  return copies.filter((d) => typeof d.memory_used_mib === 'number').sort((a, b) => share(b) - share(a))[0];
}

function mergeDetails(copies: Details[]): Details {
  const out: Details = {};
  const keys = new Set(copies.flatMap((d) => Object.keys(d)));
  for (const key of keys) {
    const values = copies.map((d) => d[key]).filter((v) => v !== undefined);
    const rule = DETAIL_MERGES[key];
    if (rule) out[key] = rule(values);
    else out[key] = values.every((v) => typeof v === 'number') ? (values as number[]).reduce((a, b) => a + b, 0) : values[0];
  }
  const pressed = mostPressed(copies);
  if (pressed) for (const key of MEMORY_DETAILS) out[key] = pressed[key];
  return out;
}

/**
 * One entry per component for `/health/detailed` and the status page, from the copies every worker
 * runs: the least healthy state, the latest error and the latest success, details merged as
 * DETAIL_MERGES says (numbers summed by default); a pull exporter gets the endpoint the main thread
 * serves it on.
 */
export function combineStatuses(perWorker: readonly ComponentStatus[][], scrapeEndpoints: ReadonlyMap<string, string>): ComponentStatus[] {
  const copies = new Map<string, ComponentStatus[]>();
  for (const statuses of perWorker) {
    for (const s of statuses) {
      const key = `${s.kind}:${s.id}:${s.pipelines.join(',')}`;
      copies.set(key, [...(copies.get(key) ?? []), s]);
    }
  }
  return [...copies.values()].map((all) => {
    const first = all[0]!;
    const state = all.map((s) => s.state).sort((a, b) => STATE_ORDER.indexOf(a) - STATE_ORDER.indexOf(b))[0]!;
    const lastError = all.map((s) => s.lastError).reduce((a, b) => (!a ? b : !b ? a : b.time > a.time ? b : a), null);
    const lastOk = all.map((s) => s.lastOk).reduce<string | null>((a, b) => later(a, b) ?? null, null);
    const details = mergeDetails(all.map((s) => s.details));
    const endpoint = first.kind === 'exporter' ? scrapeEndpoints.get(first.id) : undefined;
    if (endpoint) details.endpoint = endpoint;
    return { ...first, state, lastError, lastOk, details };
  });
}
