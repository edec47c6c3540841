import type { Family, Series } from './cumulative-state.ts';

/** One remote-write time series: labels (with `__name__`) and its samples. */
export interface PromSample {
  labels: [string, string][];
  value: number;
  timestampMs: number;
}

/** Prometheus's staleness marker: a NaN with this exact bit pattern ends a series. */
export const STALE_NAN = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0]!;

function withName(name: string, labels: [string, string][], extra?: [string, string]): [string, string][] {
  const out: [string, string][] = [['__name__', name], ...labels];
  if (extra) out.push(extra);
  // Sorted by name, as remote-write requires; `__name__` sorts first.
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/**
 * The samples of one series at its current value: one for a counter or gauge; `_bucket{le}` (cumulative),
 * `_sum` and `_count` for a histogram; quantiles, `_sum` and `_count` for a summary. `value` overrides
 * every sample's value (the stale marker when a series expires).
 */
export function seriesSamples(f: Family, s: Series, timestampMs: number, value?: number): PromSample[] {
  const v = (x: number) => (value === undefined ? x : value);
  if (s.histogram) {
    const h = s.histogram;
    const out: PromSample[] = [];
    let cumulative = 0;
    for (let i = 0; i < h.bounds.length; i++) {
      cumulative += h.counts[i]!;
      out.push({ labels: withName(`${f.name}_bucket`, s.labels, ['le', String(h.bounds[i])]), value: v(cumulative), timestampMs });
    }
    out.push({ labels: withName(`${f.name}_bucket`, s.labels, ['le', '+Inf']), value: v(h.count), timestampMs });
    out.push({ labels: withName(`${f.name}_sum`, s.labels), value: v(h.sum), timestampMs });
    out.push({ labels: withName(`${f.name}_count`, s.labels), value: v(h.count), timestampMs });
    return out;
  }
  if (s.summary) {
    const out = s.summary.quantiles.map((q) => ({ labels: withName(f.name, s.labels, ['quantile', String(q.quantile)]), value: v(q.value), timestampMs }));
    out.push({ labels: withName(`${f.name}_sum`, s.labels), value: v(s.summary.sum), timestampMs });
    out.push({ labels: withName(`${f.name}_count`, s.labels), value: v(s.summary.count), timestampMs });
    return out;
  }
  return [{ labels: withName(f.name, s.labels), value: v(s.value), timestampMs }];
}
