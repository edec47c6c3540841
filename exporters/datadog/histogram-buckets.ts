import type { ExponentialHistogramDataPoint, HistogramDataPoint } from '../../src/model/metrics.ts';
import { upperBound } from '../../src/model/exponential-histogram.ts';

/** One bucket as an interval of values, ascending in a list; an end may be infinite. */
export interface Bucket {
  lower: number;
  upper: number;
  count: number;
}

/** Explicit buckets: bucket i is (bounds[i−1], bounds[i]], −Inf and +Inf at the ends; none: one (−Inf, +Inf). */
export function explicitBuckets(p: HistogramDataPoint): Bucket[] {
  if (p.bucketCounts.length === 0) return [{ lower: -Infinity, upper: Infinity, count: p.count }];
  const b = p.explicitBounds;
  return p.bucketCounts.map((count, i) => ({ lower: i === 0 ? -Infinity : b[i - 1]!, upper: i < b.length ? b[i]! : Infinity, count }));
}

/**
 * Exponential buckets as they are, without conversion: negative index i is [−base^(i+1), −base^i), the
 * zero bucket [−zero_threshold, zero_threshold], positive index i (base^i, base^(i+1)], base = 2^(2^−scale).
 * Bounds come from `upperBound`, exact at powers of two, so the same bound reached at two scales (before
 * and after the SDK lowers the scale) is the same number.
 */
export function exponentialBuckets(p: ExponentialHistogramDataPoint): Bucket[] {
  const at = (index: number) => upperBound(p.scale, index - 1);
  const out: Bucket[] = [];
  const neg = p.negative;
  for (let j = neg.bucketCounts.length - 1; j >= 0; j--) out.push({ lower: -at(neg.offset + j + 1), upper: -at(neg.offset + j), count: neg.bucketCounts[j]! });
  out.push({ lower: -p.zeroThreshold, upper: p.zeroThreshold, count: p.zeroCount });
  const pos = p.positive;
  for (let j = 0; j < pos.bucketCounts.length; j++) out.push({ lower: at(pos.offset + j), upper: at(pos.offset + j + 1), count: pos.bucketCounts[j]! });
  return out;
}
