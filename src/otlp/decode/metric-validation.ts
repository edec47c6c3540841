import type {
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  Metric,
  NumberDataPoint,
  SummaryDataPoint,
  Temporality,
} from '../../model/metrics.ts';
import type { Rejections } from './result.ts';

/** A metric's data as read (protobuf or JSON), before the checks both decoders share. */
export type MetricData =
  | { type: 'gauge'; points: NumberDataPoint[] }
  | { type: 'sum'; temporality: Temporality | undefined; monotonic: boolean; points: NumberDataPoint[] }
  | { type: 'histogram'; temporality: Temporality | undefined; points: HistogramDataPoint[] }
  | { type: 'exponential_histogram'; temporality: Temporality | undefined; points: ExponentialHistogramDataPoint[] }
  | { type: 'summary'; points: SummaryDataPoint[] };

/** AggregationTemporality: 1 delta, 2 cumulative; 0 (unspecified) or unknown values are unusable. */
export function temporalityOf(n: number): Temporality | undefined {
  return n === 1 ? 'delta' : n === 2 ? 'cumulative' : undefined;
}

/**
 * Builds the model's metric from what was read, dropping what no backend could use and counting the
 * dropped points as rejected (partial success): `missing` points that carried no value, every point of
 * a nameless metric or of one without temporality, and histogram points whose buckets do not match their
 * bounds. A metric left with no points is dropped; a metric with no data field never gets here.
 */
export function finishMetric(name: string, description: string, unit: string, data: MetricData, missing: number, rej: Rejections): Metric | undefined {
  rej.reject(missing, `a data point of "${name}" has no value`);
  if (name === '') {
    rej.reject(data.points.length, 'a metric has no name');
    return undefined;
  }
  if (data.type !== 'gauge' && data.type !== 'summary' && data.temporality === undefined) {
    rej.reject(data.points.length, `metric "${name}" has no aggregation temporality`);
    return undefined;
  }
  if (data.points.length === 0) return undefined;
  switch (data.type) {
    case 'gauge':
      return { name, description, unit, type: 'gauge', points: data.points };
    case 'summary':
      return { name, description, unit, type: 'summary', points: data.points };
    case 'sum':
      return { name, description, unit, type: 'sum', temporality: data.temporality!, monotonic: data.monotonic, points: data.points };
    case 'exponential_histogram':
      return { name, description, unit, type: 'exponential_histogram', temporality: data.temporality!, points: data.points };
    case 'histogram': {
      const points = data.points.filter((p) => matchingBuckets(p, name, rej));
      if (points.length === 0) return undefined;
      return { name, description, unit, type: 'histogram', temporality: data.temporality!, points };
    }
  }
}

/** bucket_counts has one more entry than explicit_bounds (the +Inf bucket), or is empty (count and sum only). */
function matchingBuckets(p: HistogramDataPoint, name: string, rej: Rejections): boolean {
  if (p.bucketCounts.length === 0 || p.bucketCounts.length === p.explicitBounds.length + 1) return true;
  rej.reject(1, `a data point of "${name}" has ${p.bucketCounts.length} bucket counts for ${p.explicitBounds.length} bounds`);
  return false;
}
