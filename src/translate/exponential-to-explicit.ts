import type { ExponentialHistogramDataPoint, HistogramDataPoint } from '../model/metrics.ts';

/**
 * An exponential histogram as a classic one, exactly: every exponential bucket becomes one explicit
 * bucket with the same count (upper bound base^(index+1), base = 2^(2^-scale)); negative buckets and
 * the zero bucket keep their place below the positive ones. Prometheus 2.42 takes native histograms
 * only behind a feature flag, so this is the default for both Prometheus exporters.
 */
export function exponentialToExplicit(p: ExponentialHistogramDataPoint): HistogramDataPoint {
  const base = 2 ** (2 ** -p.scale);
  const bounds: number[] = [];
  const counts: number[] = [];
  // Negative buckets: index i covers [-base^(i+1), -base^i); from the most negative up.
  const neg = p.negative.bucketCounts;
  for (let j = neg.length - 1; j >= 0; j--) {
    bounds.push(-(base ** (p.negative.offset + j)));
    counts.push(neg[j]!);
  }
  // The zero bucket holds values within [-zeroThreshold, zeroThreshold].
  bounds.push(p.zeroThreshold);
  counts.push(p.zeroCount);
  const pos = p.positive.bucketCounts;
  for (let j = 0; j < pos.length; j++) {
    const upper = base ** (p.positive.offset + j + 1);
    if (upper <= bounds[bounds.length - 1]!) {
      counts[counts.length - 1]! += pos[j]!;
      continue;
    }
    bounds.push(upper);
    counts.push(pos[j]!);
  }
  // The last explicit bound's bucket is closed by +Inf with nothing in it.
  counts.push(0);
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
