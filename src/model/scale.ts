import { exponentialToExplicit } from './exponential-to-explicit.ts';
import type { HistogramDataPoint, Metric, NumberDataPoint } from './metrics.ts';

type Point = Metric['points'][number];

/**
 * The metric with every value multiplied by `factor` (sums, gauges, histogram bounds, sum, min and max,
 * summary quantiles; never counts) and its unit set to `unit`. Base-2 buckets cannot be scaled by an
 * arbitrary factor: an exponential histogram becomes an explicit one first, exactly.
 */
export function scaleMetric(m: Metric, factor: number, unit: string): Metric {
  if (m.type === 'exponential_histogram') {
    return { name: m.name, description: m.description, unit, type: 'histogram', temporality: m.temporality, points: m.points.map((p) => scalePoint(exponentialToExplicit(p), factor) as HistogramDataPoint) };
  }
  return { ...m, unit, points: m.points.map((p) => scalePoint(p, factor)) } as Metric;
}

function scalePoint(p: Point, factor: number): Point {
  if (factor === 1) return p;
  if ('value' in p) return { ...(p as NumberDataPoint), value: (p as NumberDataPoint).value * factor };
  if ('explicitBounds' in p) {
    const h = p as HistogramDataPoint;
    const out: HistogramDataPoint = { ...h, explicitBounds: h.explicitBounds.map((b) => b * factor) };
    if (h.sum !== undefined) out.sum = h.sum * factor;
    if (h.min !== undefined) out.min = h.min * factor;
    if (h.max !== undefined) out.max = h.max * factor;
    return out;
  }
  if ('quantileValues' in p) return { ...p, sum: p.sum * factor, quantileValues: p.quantileValues.map((q) => ({ quantile: q.quantile, value: q.value * factor })) };
  return p;
}
