import { describe, expect, it } from 'vitest';
import type { ExponentialHistogramDataPoint, Metric, MetricsBatch } from '../../src/model/metrics.ts';
import { CumulativeState } from '../../src/translate/cumulative-state.ts';
import { exponentialToExplicit } from '../../src/translate/exponential-to-explicit.ts';

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

describe('exponential → explicit histogram', () => {
  it('keeps every count, with bounds at base^(index+1), negatives and zeros below', () => {
    const p: ExponentialHistogramDataPoint = { attributes: {}, startTimeUnixNano: 0, timeUnixNano: 0, flags: 0, count: 10, sum: 3, scale: 1, zeroCount: 2, zeroThreshold: 0, positive: { offset: 0, bucketCounts: [3, 1, 2] }, negative: { offset: 1, bucketCounts: [2] } };
    const h = exponentialToExplicit(p);
    const base = Math.SQRT2;
    expect(h.explicitBounds).toEqual([-base, 0, base, base ** 2, base ** 3]);
    expect(h.bucketCounts).toEqual([2, 2, 3, 1, 2, 0]);
    expect(h.bucketCounts.reduce((a, b) => a + b, 0)).toBe(p.count);
  });
});
