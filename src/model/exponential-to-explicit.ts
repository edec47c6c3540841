import type { ExponentialHistogramDataPoint, HistogramDataPoint } from './metrics.ts';
import { upperBound, type ExponentialValue } from './exponential-histogram.ts';

type Layout = Pick<ExponentialValue, 'scale' | 'zeroCount' | 'zeroThreshold' | 'positive' | 'negative'>;

/**
 * An exponential layout as classic buckets, exactly: every exponential bucket becomes one explicit
 * bucket with the same count (upper bound 2^((index+1)/2^scale)); negative buckets and the zero bucket
 * keep their place below the positive ones; the last explicit bound is closed by an empty +Inf bucket.
 * Prometheus 2.42 takes native histograms only behind a feature flag, so this is what both Prometheus
 * exporters send; they cap the bucket count first (`capBuckets`).
 */
export function explicitBuckets(p: Layout): { bounds: number[]; counts: number[] } {
  const bounds: number[] = [];
  const counts: number[] = [];
  // Negative buckets: index i covers [-upper(i), -upper(i-1)); from the most negative up.
  const neg = p.negative.bucketCounts;
  for (let j = neg.length - 1; j >= 0; j--) {
    bounds.push(-upperBound(p.scale, p.negative.offset + j - 1));
    counts.push(neg[j]!);
  }
  // The zero bucket holds values within [-zeroThreshold, zeroThreshold].
  bounds.push(p.zeroThreshold);
  counts.push(p.zeroCount);
  const pos = p.positive.bucketCounts;
  for (let j = 0; j < pos.length; j++) {
    const upper = upperBound(p.scale, p.positive.offset + j);
    if (upper <= bounds[bounds.length - 1]!) {
      counts[counts.length - 1]! += pos[j]!;
      continue;
    }
    bounds.push(upper);
    counts.push(pos[j]!);
  }
  counts.push(0);
  return { bounds, counts };
}

/** An exponential histogram point as a classic one (for processors and exporters that take only those). */
export function exponentialToExplicit(p: ExponentialHistogramDataPoint): HistogramDataPoint {
  const { bounds, counts } = explicitBuckets(p);
  const out: HistogramDataPoint = {
    attributes: p.attributes,
    startTimeUnixNano: p.startTimeUnixNano,
    timeUnixNano: p.timeUnixNano,
    flags: p.flags,
    count: p.count,
    bucketCounts: counts,
    explicitBounds: bounds,
  };
  if (p.sum !== undefined) out.sum = p.sum;
  if (p.min !== undefined) out.min = p.min;
  if (p.max !== undefined) out.max = p.max;
  return out;
}
