import type { ExponentialHistogramDataPoint, HistogramDataPoint, Metric, NumberDataPoint } from '../model/metrics.ts';
import { sameBounds } from '../model/metrics.ts';
import { addCounts, countsByIndex, toBuckets } from '../model/exponential-histogram.ts';
import { attributesKey } from '../model/transform.ts';

export type GaugeAggregation = 'last' | 'max' | 'min' | 'mean' | 'sum';

/**
 * Merges the points of one metric that share a label set, as an aggregation by the kept labels does:
 * sums add (cumulative sums of several series add into one cumulative sum), histograms add bucket by
 * bucket, exponential histograms too after downscaling to the coarser scale, gauges combine by
 * `gauges`. Histogram points whose bounds differ from the first of their set cannot be merged exactly
 * and are returned in `dropped`.
 */
export function aggregatePoints(m: Metric, gauges: GaugeAggregation): { metric: Metric; dropped: number } {
  const groups = new Map<string, Metric['points']>();
  for (const p of m.points) {
    const key = attributesKey(p.attributes);
    const g = groups.get(key);
    if (g) g.push(p as never);
    else groups.set(key, [p] as Metric['points']);
  }
  if (groups.size === m.points.length) return { metric: m, dropped: 0 };
  let dropped = 0;
  const points: Metric['points'][number][] = [];
  for (const group of groups.values()) {
    if (group.length === 1) {
      points.push(group[0]!);
      continue;
    }
    switch (m.type) {
      case 'sum':
        points.push(mergeNumbers(group as NumberDataPoint[], 'sum'));
        break;
      case 'gauge':
        points.push(mergeNumbers(group as NumberDataPoint[], gauges));
        break;
      case 'histogram': {
        const r = mergeHistograms(group as HistogramDataPoint[]);
        points.push(r.point);
        dropped += r.dropped;
        break;
      }
      case 'exponential_histogram':
        points.push(mergeExponentialPoints(group as ExponentialHistogramDataPoint[]));
        break;
      case 'summary':
        points.push(latest(group as { timeUnixNano: number }[]) as Metric['points'][number]);
        break;
    }
  }
  return { metric: { ...m, points } as Metric, dropped };
}

function latest<P extends { timeUnixNano: number }>(ps: P[]): P {
  return ps.reduce((a, b) => (b.timeUnixNano >= a.timeUnixNano ? b : a));
}

function span(ps: { startTimeUnixNano: number; timeUnixNano: number }[]): { startTimeUnixNano: number; timeUnixNano: number } {
  let start = Infinity;
  let time = 0;
  for (const p of ps) {
    if (p.startTimeUnixNano < start) start = p.startTimeUnixNano;
    if (p.timeUnixNano > time) time = p.timeUnixNano;
  }
  return { startTimeUnixNano: start, timeUnixNano: time };
}

function mergeNumbers(ps: NumberDataPoint[], how: GaugeAggregation): NumberDataPoint {
  const values = ps.map((p) => p.value);
  const value =
    how === 'sum' ? values.reduce((a, b) => a + b, 0)
    : how === 'max' ? Math.max(...values)
    : how === 'min' ? Math.min(...values)
    : how === 'mean' ? values.reduce((a, b) => a + b, 0) / values.length
    : latest(ps).value;
  return { attributes: ps[0]!.attributes, ...span(ps), flags: 0, value };
}

function mergeHistograms(ps: HistogramDataPoint[]): { point: HistogramDataPoint; dropped: number } {
  const first = ps[0]!;
  const bounds = first.explicitBounds;
  const same = ps.filter((p) => sameBounds(p.explicitBounds, bounds));
  const counts = new Array<number>(first.bucketCounts.length).fill(0);
  let count = 0;
  let sum = 0;
  let hasSum = false;
  let min = Infinity;
  let max = -Infinity;
  for (const p of same) {
    p.bucketCounts.forEach((c, i) => (counts[i]! += c));
    count += p.count;
    if (p.sum !== undefined) {
      sum += p.sum;
      hasSum = true;
    }
    if (p.min !== undefined) min = Math.min(min, p.min);
    if (p.max !== undefined) max = Math.max(max, p.max);
  }
  const point: HistogramDataPoint = { attributes: first.attributes, ...span(same), flags: 0, count, bucketCounts: counts, explicitBounds: bounds };
  if (hasSum) point.sum = sum;
  if (min !== Infinity) point.min = min;
  if (max !== -Infinity) point.max = max;
  return { point, dropped: ps.length - same.length };
}

/**
 * Exponential points of one label set added at the coarsest scale among them. Unlike the cumulative
 * state's merge (`mergeExponential` in the model), this keeps every bucket and does not fold buckets
 * into a wider zero bucket: the points are merged as they came, nothing is capped.
 */
function mergeExponentialPoints(ps: ExponentialHistogramDataPoint[]): ExponentialHistogramDataPoint {
  const scale = Math.min(...ps.map((p) => p.scale));
  const positive = new Map<number, number>();
  const negative = new Map<number, number>();
  let count = 0;
  let zeroCount = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const p of ps) {
    addCounts(positive, countsByIndex(p.positive, p.scale - scale));
    addCounts(negative, countsByIndex(p.negative, p.scale - scale));
    count += p.count;
    zeroCount += p.zeroCount;
    sum += p.sum ?? 0;
    if (p.min !== undefined) min = Math.min(min, p.min);
    if (p.max !== undefined) max = Math.max(max, p.max);
  }
  const out: ExponentialHistogramDataPoint = {
    attributes: ps[0]!.attributes,
    ...span(ps),
    flags: 0,
    count,
    sum,
    scale,
    zeroCount,
    zeroThreshold: Math.max(...ps.map((p) => p.zeroThreshold)),
    positive: toBuckets(positive),
    negative: toBuckets(negative),
  };
  if (min !== Infinity) out.min = min;
  if (max !== -Infinity) out.max = max;
  return out;
}
