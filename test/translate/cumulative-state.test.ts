import { describe, expect, it } from 'vitest';
import type { ExponentialHistogramDataPoint, Metric, MetricsBatch } from '../../src/model/metrics.ts';
import { CumulativeState } from '../../src/translate/cumulative-state.ts';
import { exponentialToExplicit } from '../../src/model/exponential-to-explicit.ts';

const OPTIONS = { addMetricSuffixes: true, resourceToTelemetry: false, constLabels: {} };

function batch(...metrics: Metric[]): MetricsBatch {
  return { resourceMetrics: [{ resource: { attributes: { 'service.name': 'api' } }, schemaUrl: '', scopeMetrics: [{ scope: { name: '', version: '', attributes: {} }, schemaUrl: '', metrics }] }] };
}

function sum(value: number, t: number, temporality: 'delta' | 'cumulative', start = 1): Metric {
  return { name: 'hits', description: '', unit: '', type: 'sum', temporality, monotonic: true, points: [{ attributes: { a: 'b' }, startTimeUnixNano: start, timeUnixNano: t, flags: 0, value }] };
}

const valueOf = (s: CumulativeState, name = 'hits_total') => [...s.families.get(name)!.series.values()][0]!;

describe('cumulative state', () => {
  it('adds up delta points into a cumulative value', () => {
    const s = new CumulativeState(OPTIONS);
    s.apply(batch(sum(2, 10, 'delta')), 0);
    s.apply(batch(sum(3, 20, 'delta')), 0);
    expect(valueOf(s).value).toBe(5);
  });

  it('passes cumulative points through, taking a reset as the new value', () => {
    const s = new CumulativeState(OPTIONS);
    s.apply(batch(sum(10, 10, 'cumulative')), 0);
    s.apply(batch(sum(15, 20, 'cumulative')), 0);
    expect(valueOf(s).value).toBe(15);
    s.apply(batch(sum(2, 30, 'cumulative', 25)), 0);
    expect(valueOf(s).value).toBe(2);
  });

  it('ignores a point older than the one it holds', () => {
    const s = new CumulativeState(OPTIONS);
    s.apply(batch(sum(10, 20, 'cumulative')), 0);
    s.apply(batch(sum(7, 10, 'cumulative')), 0);
    expect(valueOf(s).value).toBe(10);
  });

  it('adds a delta point once: the same point again (a client retrying after a refusal elsewhere) changes nothing', () => {
    const s = new CumulativeState(OPTIONS);
    s.apply(batch(sum(2, 10, 'delta')), 0);
    s.apply(batch(sum(3, 20, 'delta', 10)), 0);
    s.apply(batch(sum(3, 20, 'delta', 10)), 0);
    expect(valueOf(s).value).toBe(5);
  });

  it('forgets series not updated within the expiration', () => {
    const s = new CumulativeState(OPTIONS);
    s.apply(batch(sum(1, 10, 'cumulative')), 1_000);
    expect(s.expire(200_000, 300_000)).toHaveLength(0);
    expect(s.expire(301_000, 300_000)).toHaveLength(1);
    expect(s.families.has('hits_total')).toBe(false);
  });

  it('adds delta histograms bucket by bucket', () => {
    const s = new CumulativeState(OPTIONS);
    const h = (counts: number[], t: number): Metric => ({ name: 'lat', description: '', unit: 's', type: 'histogram', temporality: 'delta', points: [{ attributes: {}, startTimeUnixNano: 1, timeUnixNano: t, flags: 0, count: counts.reduce((a, b) => a + b, 0), sum: 1, bucketCounts: counts, explicitBounds: [0.1, 1] }] });
    s.apply(batch(h([1, 2, 0], 10)), 0);
    s.apply(batch(h([0, 1, 4], 20)), 0);
    expect(valueOf(s, 'lat_seconds').histogram).toEqual({ count: 8, sum: 2, bounds: [0.1, 1], counts: [1, 3, 4] });
  });

  it('keeps the first type of a name and reports points of another type as conflicts', () => {
    const s = new CumulativeState(OPTIONS);
    const gauge: Metric = { name: 'hits_total', description: '', unit: '', type: 'gauge', points: [{ attributes: {}, startTimeUnixNano: 0, timeUnixNano: 1, flags: 0, value: 1 }] };
    s.apply(batch(sum(1, 10, 'cumulative')), 0);
    expect(s.apply(batch(gauge), 0).typeConflicts).toBe(1);
    expect(s.families.get('hits_total')!.type).toBe('counter');
  });
});

describe('delta exponential histograms', () => {
  const expo = (t: number, scale: number, offset: number, counts: number[], zeroCount = 0): Metric => ({
    name: 'rpc',
    description: '',
    unit: 's',
    type: 'exponential_histogram',
    temporality: 'delta',
    points: [{ attributes: {}, startTimeUnixNano: t - 1, timeUnixNano: t, flags: 0, count: counts.reduce((a, b) => a + b, zeroCount), sum: t, scale, zeroCount, zeroThreshold: 0, positive: { offset, bucketCounts: counts } }].map((p) => ({ ...p, negative: { offset: 0, bucketCounts: [] } })),
  });
  const cumulativeBuckets = (s: CumulativeState) => {
    const h = valueOf(s, 'rpc_seconds').histogram!;
    let c = 0;
    return Object.fromEntries(h.bounds.map((b, i) => [b, (c += h.counts[i]!)]));
  };

  it('with base_units, serves one in ms in seconds and still merges across scale changes and keeps the bucket cap', () => {
    const s = new CumulativeState({ ...OPTIONS, baseUnits: true, maxExponentialBuckets: 10 });
    const inMs = (m: Metric): Metric => ({ ...m, unit: 'ms' }) as Metric;
    s.apply(batch(inMs(expo(10, 2, 0, [4, 6]))), 0);
    s.apply(batch(inMs(expo(20, 1, 3, [3]))), 0);
    s.apply(batch(inMs(expo(30, 2, -5, [2]))), 0);
    const h = valueOf(s, 'rpc_seconds').histogram!;
    expect([h.count, h.sum]).toEqual([15, 0.06]);
    // The same buckets as in seconds above, each bound a thousandth.
    expect(cumulativeBuckets(s)).toMatchObject({ 0.0005: 2, [Math.SQRT2 / 1000]: 12, 0.004: 15 });
    const wide = new CumulativeState({ ...OPTIONS, baseUnits: true, maxExponentialBuckets: 10 });
    wide.apply(batch(inMs(expo(10, 3, 0, Array.from({ length: 100 }, () => 1)))), 0);
    expect(valueOf(wide, 'rpc_seconds').histogram!.bounds.length).toBeLessThanOrEqual(11);
  });

  it('keeps the running total when scale and offset change between exports, merged onto the coarser scale', () => {
    const s = new CumulativeState(OPTIONS);
    s.apply(batch(expo(10, 2, 0, [4, 6])), 0); // 10 values in (1, 2^0.25] and (2^0.25, 2^0.5]
    s.apply(batch(expo(20, 1, 3, [3])), 0); // 3 in (2^1.5, 4]
    s.apply(batch(expo(30, 2, -5, [2])), 0); // 2 in (2^-1.25, 2^-1]
    const h = valueOf(s, 'rpc_seconds').histogram!;
    expect(h.count).toBe(15);
    expect(h.sum).toBe(60);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(15);
    // At scale 1 the upper bounds are 2^((index+1)/2): 0.5 holds the 2, √2 the 10 more, 4 the last 3.
    expect(cumulativeBuckets(s)).toMatchObject({ 0.5: 2, [Math.SQRT2]: 12, 4: 15 });
  });

  it('moves buckets inside a wider zero threshold into the zero bucket when the threshold grows', () => {
    const s = new CumulativeState(OPTIONS);
    s.apply(batch(expo(10, 0, -3, [1, 1, 1])), 0); // (1/8, 1/4], (1/4, 1/2], (1/2, 1]
    const wider = expo(20, 0, 0, [1], 2);
    (wider.points[0] as ExponentialHistogramDataPoint).zeroThreshold = 0.25;
    s.apply(batch(wider), 0);
    const h = valueOf(s, 'rpc_seconds').histogram!;
    expect(h.count).toBe(6);
    expect(cumulativeBuckets(s)).toMatchObject({ 0.25: 3, 0.5: 4, 1: 5, 2: 6 });
  });
});

describe('exponential → explicit histogram', () => {
  it('keeps every count, with bounds at 2^((index+1)/2^scale), negatives and zeros below', () => {
    const p: ExponentialHistogramDataPoint = { attributes: {}, startTimeUnixNano: 0, timeUnixNano: 0, flags: 0, count: 10, sum: 3, scale: 1, zeroCount: 2, zeroThreshold: 0, positive: { offset: 0, bucketCounts: [3, 1, 2] }, negative: { offset: 1, bucketCounts: [2] } };
    const h = exponentialToExplicit(p);
    expect(h.explicitBounds).toEqual([-Math.SQRT2, 0, Math.SQRT2, 2, 2 ** 1.5]);
    expect(h.bucketCounts).toEqual([2, 2, 3, 1, 2, 0]);
    expect(h.bucketCounts.reduce((a, b) => a + b, 0)).toBe(p.count);
  });

  it('downscales a histogram wider than exponential_histogram_max_buckets until it fits, keeping every count', () => {
    const s = new CumulativeState({ ...OPTIONS, maxExponentialBuckets: 10 });
    const counts = Array.from({ length: 100 }, (_, i) => i % 7);
    const m: Metric = { name: 'rpc', description: '', unit: 's', type: 'exponential_histogram', temporality: 'cumulative', points: [{ attributes: {}, startTimeUnixNano: 0, timeUnixNano: 1, flags: 0, count: counts.reduce((a, b) => a + b, 0), sum: 1, scale: 3, zeroCount: 0, zeroThreshold: 0, positive: { offset: 0, bucketCounts: counts }, negative: { offset: 0, bucketCounts: [] } }] };
    s.apply(batch(m), 0);
    const h = valueOf(s, 'rpc_seconds').histogram!;
    // 100 buckets at scale 3 span 2^0..2^12.5; at scale 0 that is 13 buckets, at scale -1 7: the first that fits.
    expect(h.bounds).toEqual([0, 4, 16, 64, 256, 1024, 4096, 16384]);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(m.points[0]!.count);
  });
});
