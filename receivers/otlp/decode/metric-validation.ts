import type { Metric, Temporality } from '../../../src/model/metrics.ts';
import type { Rejections } from './result.ts';

/** Drops the points a backend could not use, counting them as rejected (partial success). */
export function validPoints(m: Metric, rej: Rejections): Metric | undefined {
  if (m.name === '') {
    rej.reject(m.points.length, 'a metric has no name');
    return undefined;
  }
  if (m.type !== 'gauge' && m.type !== 'summary' && (m as { temporality?: Temporality }).temporality === undefined) {
    rej.reject(m.points.length, `metric "${m.name}" has no aggregation temporality`);
    return undefined;
  }
  if (m.points.length === 0) return undefined;
  if (m.type !== 'histogram') return m;
  const kept = m.points.filter((h) => {
    if (h.bucketCounts.length === 0 || h.bucketCounts.length === h.explicitBounds.length + 1) return true;
    rej.reject(1, `a data point of "${m.name}" has ${h.bucketCounts.length} bucket counts for ${h.explicitBounds.length} bounds`);
    return false;
  });
  if (kept.length === m.points.length) return m;
  return kept.length === 0 ? undefined : { ...m, points: kept };
}
