import type { AttributeValue, Attributes } from '../model/common.ts';
import type { Metric, MetricsBatch } from '../model/metrics.ts';

/** One point as a tap shows it. */
export interface TappedPoint {
  name: string;
  metricType: Metric['type'];
  unit: string;
  /** The point's attributes (the labels to be). */
  labels: Record<string, unknown>;
  /** A number for gauges and sums; count and sum (and buckets) for histograms and summaries. */
  value: number | { count: number; sum?: number };
  resource: Record<string, unknown>;
  timeUnixNano: number;
}

function plain(value: AttributeValue): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v as AttributeValue)]));
  return value;
}

function plainAttributes(attributes: Attributes): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in attributes) out[key] = plain(attributes[key]!);
  return out;
}

/**
 * Takes at most `budget` of the batch's points of metrics whose name `match` accepts, spread evenly over
 * them (every k-th point), and says how many matched in all. Work is one pass over the metrics plus the
 * points it takes: a tap costs the pipeline the same whatever the batch's size.
 */
export function samplePoints(batch: MetricsBatch, match: RegExp | undefined, budget: number): { taken: TappedPoint[]; matched: number } {
  const chosen: { metric: Metric; resource: Attributes }[] = [];
  let matched = 0;
  for (const rm of batch.resourceMetrics) {
    for (const sm of rm.scopeMetrics) {
      for (const m of sm.metrics) {
        if (m.points.length === 0 || (match && !match.test(m.name))) continue;
        matched += m.points.length;
        chosen.push({ metric: m, resource: rm.resource.attributes });
      }
    }
  }
  const taken: TappedPoint[] = [];
  if (budget <= 0 || matched === 0) return { taken, matched };
  const stride = Math.max(1, Math.ceil(matched / budget));
  let next = 0; // index, over all matched points, of the next point to take
  let seen = 0;
  for (const { metric, resource } of chosen) {
    const n = metric.points.length;
    while (next < seen + n && taken.length < budget) {
      taken.push(toTapped(metric, next - seen, resource));
      next += stride;
    }
    seen += n;
    if (taken.length >= budget) break;
  }
  return { taken, matched };
}

function toTapped(metric: Metric, index: number, resource: Attributes): TappedPoint {
  const base = { name: metric.name, metricType: metric.type, unit: metric.unit, resource: plainAttributes(resource) };
  switch (metric.type) {
    case 'gauge':
    case 'sum': {
      const p = metric.points[index]!;
      return { ...base, labels: plainAttributes(p.attributes), value: p.value, timeUnixNano: p.timeUnixNano };
    }
    default: {
      const p = metric.points[index]!;
      return { ...base, labels: plainAttributes(p.attributes), value: p.sum === undefined ? { count: p.count } : { count: p.count, sum: p.sum }, timeUnixNano: p.timeUnixNano };
    }
  }
}
