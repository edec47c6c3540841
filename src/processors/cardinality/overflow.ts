import type { HistogramDataPoint, Metric, NumberDataPoint } from '../../model/metrics.ts';
import { exponentialToExplicit } from '../../translate/exponential-to-explicit.ts';

export const OVERFLOW_ATTRIBUTES = Object.freeze({ 'otel.metric.overflow': true });

/** What a folded series last reported, to turn its next cumulative point into an increase. */
export interface FoldedSeries {
  start: number;
  value: number;
  count: number;
  sum: number;
  buckets: number[] | undefined;
  seenAtMs: number;
}

/**
 * The overflow series of one metric: what the SDK specification calls the overflow attribute set.
 * Cumulative counters and histograms hold the running total of the increases of every series folded
 * into them (a folded series' first point counts in full: its increase since its start), so the overflow
 * stays monotonic and the metric's total stays exact; delta inputs are summed per batch; gauges keep the
 * last value.
 */
export class Overflow {
  private total = 0;
  private count = 0;
  private sum = 0;
  private buckets: number[] | undefined;
  private bounds: number[] | undefined;
  readonly createdNs: number;
  seenAtMs: number;

  constructor(createdNs: number, nowMs: number) {
    this.createdNs = createdNs;
    this.seenAtMs = nowMs;
  }

  /**
   * Folds one metric's points (all over the limit) into one overflow point; returns it, or undefined with
   * the number of points that could not be folded (histogram bounds that differ, summaries).
   */
  fold(m: Metric, points: Metric['points'], folded: Map<string, FoldedSeries>, keyOf: (p: Metric['points'][number]) => string, nowMs: number): { point: Metric['points'][number] | undefined; unfoldable: number } {
    this.seenAtMs = nowMs;
    const time = Math.max(...points.map((p) => p.timeUnixNano));
    const delta = 'temporality' in m && m.temporality === 'delta';
    if (m.type === 'gauge' || (m.type === 'sum' && !m.monotonic && !delta)) {
      const last = (points as NumberDataPoint[]).reduce((a, b) => (b.timeUnixNano >= a.timeUnixNano ? b : a));
      return { point: { ...last, attributes: { ...OVERFLOW_ATTRIBUTES } }, unfoldable: 0 };
    }
    if (m.type === 'sum') {
      let add = 0;
      for (const p of points as NumberDataPoint[]) add += delta ? p.value : this.increase(folded, keyOf(p), p, p.value, 0, 0, undefined, nowMs).value;
      const start = delta ? Math.min(...points.map((p) => p.startTimeUnixNano)) : this.createdNs;
      if (!delta) this.total += add;
      return { point: { attributes: { ...OVERFLOW_ATTRIBUTES }, startTimeUnixNano: start, timeUnixNano: time, flags: 0, value: delta ? add : this.total }, unfoldable: 0 };
    }
    if (m.type === 'histogram' || m.type === 'exponential_histogram') {
      const hs = m.type === 'histogram' ? (points as HistogramDataPoint[]) : (points as Parameters<typeof exponentialToExplicit>[0][]).map(exponentialToExplicit);
      let unfoldable = 0;
      const acc = { count: 0, sum: 0, buckets: undefined as number[] | undefined };
      for (const h of hs) {
        this.bounds ??= h.explicitBounds;
        if (h.explicitBounds.length !== this.bounds.length || h.explicitBounds.some((b, i) => b !== this.bounds![i])) {
          unfoldable++;
          continue;
        }
        const inc = delta ? { value: 0, count: h.count, sum: h.sum ?? 0, buckets: h.bucketCounts } : this.increase(folded, keyOf(h), h, 0, h.count, h.sum ?? 0, h.bucketCounts, nowMs);
        acc.count += inc.count;
        acc.sum += inc.sum;
        acc.buckets = addBuckets(acc.buckets, inc.buckets);
      }
      if (!delta) {
        this.count += acc.count;
        this.sum += acc.sum;
        this.buckets = addBuckets(this.buckets, acc.buckets);
      }
      const counts = delta ? acc.buckets : this.buckets;
      if (!counts) return { point: undefined, unfoldable };
      const point: HistogramDataPoint = {
        attributes: { ...OVERFLOW_ATTRIBUTES },
        startTimeUnixNano: delta ? Math.min(...hs.map((h) => h.startTimeUnixNano)) : this.createdNs,
        timeUnixNano: time,
        flags: 0,
        count: delta ? acc.count : this.count,
        sum: delta ? acc.sum : this.sum,
        bucketCounts: counts,
        explicitBounds: this.bounds!,
      };
      return { point, unfoldable };
    }
    return { point: undefined, unfoldable: points.length };
  }

  /** The increase of a folded cumulative series since its last point (in full the first time or after a reset). */
  private increase(folded: Map<string, FoldedSeries>, key: string, p: { startTimeUnixNano: number }, value: number, count: number, sum: number, buckets: number[] | undefined, nowMs: number) {
    const prev = folded.get(key);
    folded.set(key, { start: p.startTimeUnixNano, value, count, sum, buckets, seenAtMs: nowMs });
    const reset = !prev || prev.start !== p.startTimeUnixNano || value < prev.value || count < prev.count;
    if (reset) return { value, count, sum, buckets };
    return { value: value - prev.value, count: count - prev.count, sum: sum - prev.sum, buckets: buckets?.map((b, i) => b - (prev.buckets?.[i] ?? 0)) };
  }
}

function addBuckets(a: number[] | undefined, b: number[] | undefined): number[] | undefined {
  if (!b) return a;
  if (!a) return [...b];
  return a.map((x, i) => x + (b[i] ?? 0));
}
