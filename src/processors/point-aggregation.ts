import type { Attributes } from '../model/common.ts';
import type { ExponentialHistogramDataPoint, HistogramDataPoint, Metric, NumberDataPoint } from '../model/metrics.ts';
import { sameBounds } from '../model/metrics.ts';
import { seriesKey } from '../model/series-key.ts';
import { CountsAtCoarsest, toBuckets } from '../model/exponential-histogram.ts';
import type { AttributesOf } from '../model/transform.ts';

type Point = Metric['points'][number];

export type GaugeAggregation = 'last' | 'max' | 'min' | 'mean' | 'sum';

const unchanged: AttributesOf = (a) => a;

/**
 * Merges the points of one metric that share a label set, as an aggregation by the kept labels does:
 * sums add (cumulative sums of several series add into one cumulative sum), histograms add bucket by
 * bucket, exponential histograms too after downscaling to the coarser scale, gauges combine by
 * `gauges`. Histogram points whose bounds differ from the first of their set cannot be merged exactly
 * and are returned in `dropped`. `attributesOf` relabels as it groups (the rename processor's kept
 * labels), so no relabelled copy of each point is made only to be merged away. `owned`: the caller
 * owns `m` (its stage mutates data): a point alone in its set is relabelled in place, not copied.
 */
export function aggregatePoints(m: Metric, gauges: GaugeAggregation, attributesOf: AttributesOf = unchanged, owned = false): { metric: Metric; dropped: number } {
  // A group is its one point until a second comes: most label sets are alone, and need no array.
  const groups = new Map<string, { attributes: Attributes; points: Point | Point[] }>();
  for (const p of m.points) {
    const attributes = attributesOf(p.attributes);
    const key = seriesKey(attributes);
    const g = groups.get(key);
    if (g === undefined) groups.set(key, { attributes, points: p });
    else if (Array.isArray(g.points)) g.points.push(p);
    else g.points = [g.points, p];
  }
  if (groups.size === m.points.length && attributesOf === unchanged) return { metric: m, dropped: 0 };
  let dropped = 0;
  const points: Point[] = [];
  for (const { attributes, points: group } of groups.values()) {
    if (!Array.isArray(group)) {
      // A stage that owns the metric relabels a point alone in its set in place; otherwise a copy.
      if (group.attributes === attributes) points.push(group);
      else if (owned) {
        group.attributes = attributes;
        points.push(group);
      } else points.push({ ...group, attributes } as Point);
      continue;
    }
    switch (m.type) {
      case 'sum':
        points.push(mergeNumbers(group as NumberDataPoint[], 'sum', attributes));
        break;
      case 'gauge':
        points.push(mergeNumbers(group as NumberDataPoint[], gauges, attributes));
        break;
      case 'histogram': {
        const r = mergeHistograms(group as HistogramDataPoint[], attributes);
        points.push(r.point);
        dropped += r.dropped;
        break;
      }
      case 'exponential_histogram':
        points.push(mergeExponentialPoints(group as ExponentialHistogramDataPoint[], attributes));
        break;
      case 'summary':
        points.push({ ...latest(group as { timeUnixNano: number }[]), attributes } as Point);
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

function mergeNumbers(ps: NumberDataPoint[], how: GaugeAggregation, attributes: Attributes): NumberDataPoint {
  const values = ps.map((p) => p.value);
  const value =
    how === 'sum' ? values.reduce((a, b) => a + b, 0)
    : how === 'max' ? Math.max(...values)
    : how === 'min' ? Math.min(...values)
    : how === 'mean' ? values.reduce((a, b) => a + b, 0) / values.length
    : latest(ps).value;
  return { attributes, ...span(ps), flags: 0, value };
}

function mergeHistograms(ps: HistogramDataPoint[], attributes: Attributes): { point: HistogramDataPoint; dropped: number } {
  const first = ps[0]!;
  const bounds = first.explicitBounds;
  const counts = first.bucketCounts.slice();
  let { count, startTimeUnixNano: start, timeUnixNano: time } = first;
  let hasSum = first.sum !== undefined;
  let sum = first.sum ?? 0;
  let min = first.min ?? Infinity;
  let max = first.max ?? -Infinity;
  let dropped = 0;
  for (let j = 1; j < ps.length; j++) {
    const p = ps[j]!;
    if (!sameBounds(p.explicitBounds, bounds)) {
      dropped++;
      continue;
    }
    const add = p.bucketCounts;
    for (let i = 0; i < add.length; i++) counts[i]! += add[i]!;
    count += p.count;
    if (p.startTimeUnixNano < start) start = p.startTimeUnixNano;
    if (p.timeUnixNano > time) time = p.timeUnixNano;
    if (p.sum !== undefined) {
      sum += p.sum;
      hasSum = true;
    }
    if (p.min !== undefined && p.min < min) min = p.min;
    if (p.max !== undefined && p.max > max) max = p.max;
  }
  const point: HistogramDataPoint = { attributes, startTimeUnixNano: start, timeUnixNano: time, flags: 0, count, bucketCounts: counts, explicitBounds: bounds };
  if (hasSum) point.sum = sum;
  if (min !== Infinity) point.min = min;
  if (max !== -Infinity) point.max = max;
  return { point, dropped };
}

/**
 * Exponential points of one label set added at the coarsest scale among them. Unlike the cumulative
 * state's merge (`mergeExponential` in the model), this keeps every bucket and does not fold buckets
 * into a wider zero bucket: the points are merged as they came, nothing is capped.
 */
function mergeExponentialPoints(ps: ExponentialHistogramDataPoint[], attributes: Attributes): ExponentialHistogramDataPoint {
  const scale = Math.min(...ps.map((p) => p.scale));
  const buckets = new CountsAtCoarsest(scale);
  let count = 0;
  let zeroCount = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const p of ps) {
    buckets.addPoint(p);
    count += p.count;
    zeroCount += p.zeroCount;
    sum += p.sum ?? 0;
    if (p.min !== undefined) min = Math.min(min, p.min);
    if (p.max !== undefined) max = Math.max(max, p.max);
  }
  const out: ExponentialHistogramDataPoint = {
    attributes,
    ...span(ps),
    flags: 0,
    count,
    sum,
    scale,
    zeroCount,
    zeroThreshold: Math.max(...ps.map((p) => p.zeroThreshold)),
    positive: toBuckets(buckets.positive),
    negative: toBuckets(buckets.negative),
  };
  if (min !== Infinity) out.min = min;
  if (max !== -Infinity) out.max = max;
  return out;
}
