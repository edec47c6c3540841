import { describe, expect, it } from 'vitest';
import type { Attributes } from '../../../src/model/common.ts';
import type { HistogramDataPoint, Metric, MetricsBatch, NumberDataPoint } from '../../../src/model/metrics.ts';
import { CardinalityTransform } from '../../../src/processors/cardinality/cardinality.ts';
import { cardinalityProcessorFactory } from '../../../src/processors/cardinality/factory.ts';
import { CumulativeState } from '../../../src/translate/cumulative-state.ts';
import { silentSettings } from '../../helpers/silent-settings.ts';

const T0 = 1_700_000_000e9;
const config = (c: object) => cardinalityProcessorFactory.configSchema.parse(c);

function batch(metric: Metric, resource: Attributes = { 'service.name': 'api' }): MetricsBatch {
  return { resourceMetrics: [{ resource: { attributes: resource }, schemaUrl: '', scopeMetrics: [{ scope: { name: '', version: '', attributes: {} }, schemaUrl: '', metrics: [metric] }] }] };
}

function counter(sets: number, value: (i: number) => number, t: number, prefix = 'u', temporality: 'cumulative' | 'delta' = 'cumulative'): Metric {
  return { name: 'requests', description: '', unit: '', type: 'sum', temporality, monotonic: true, points: Array.from({ length: sets }, (_, i) => ({ attributes: { route: `/r/${prefix}${i}` }, startTimeUnixNano: T0, timeUnixNano: T0 + t * 1e9, flags: 0, value: value(i) })) };
}

/** What a Prometheus scrape would hold after each output batch: the latest value of every series. */
function scrapeState() {
  const state = new CumulativeState({ addMetricSuffixes: true, resourceToTelemetry: false, constLabels: {} });
  return {
    apply: (b: MetricsBatch) => state.apply(b, 0),
    series: (name: string) => [...(state.families.get(name)?.series.values() ?? [])],
  };
}

describe('cardinality processor', () => {
  it('collapses every label set past the limit into otel_metric_overflow, keeping the metric’s total exact across exports', () => {
    let now = 0;
    const t = new CardinalityTransform(config({ max_series_per_metric: 100 }), silentSettings('cardinality'), () => now);
    const scrape = scrapeState();
    scrape.apply(t.processMetrics(batch(counter(10_000, () => 1, 1))));
    scrape.apply(t.processMetrics(batch(counter(10_000, () => 3, 2))));
    const series = scrape.series('requests_total');
    expect(series.length).toBeLessThanOrEqual(101);
    const overflow = series.find((s) => s.labels.some(([k, v]) => k === 'otel_metric_overflow' && v === 'true'))!;
    expect(overflow.value).toBe(9_900 * 3);
    expect(series.reduce((n, s) => n + s.value, 0)).toBe(30_000);

    // After series_ttl without them, the kept sets free their slots for new ones; the overflow never falls back.
    now = 11 * 60_000;
    scrape.apply(t.processMetrics(batch(counter(50, () => 5, 700, 'new'))));
    const after = scrape.series('requests_total');
    expect(after.filter((s) => s.labels.some(([, v]) => v.startsWith('/r/new'))).length).toBe(50);
    expect(after.reduce((n, s) => n + s.value, 0)).toBe(30_000 + 250);
    expect(t.trackedSeries).toBe(50);
  });

  it('keeps the limit per resource', () => {
    const t = new CardinalityTransform(config({ max_series_per_metric: 10 }), silentSettings('cardinality'));
    for (const pod of ['a', 'b']) {
      const out = t.processMetrics(batch(counter(100, () => 1, 1), { 'service.name': 'api', pod }));
      expect(out.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.points).toHaveLength(11);
    }
  });

  it('sums delta points of folded series into one delta overflow point per export', () => {
    const t = new CardinalityTransform(config({ max_series_per_metric: 2 }), silentSettings('cardinality'));
    const out = t.processMetrics(batch(counter(5, (i) => i + 1, 1, 'u', 'delta')));
    const points = out.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.points as NumberDataPoint[];
    expect(points.map((p) => p.value)).toEqual([1, 2, 3 + 4 + 5]);
    expect(points[2]!.attributes).toEqual({ 'otel.metric.overflow': true });
  });

  it('folds histograms bucket by bucket, exactly', () => {
    const t = new CardinalityTransform(config({ max_series_per_metric: 10 }), silentSettings('cardinality'));
    const h = (at: number, k: number): Metric => ({ name: 'lat', description: '', unit: 's', type: 'histogram', temporality: 'cumulative', points: Array.from({ length: 1000 }, (_, i) => ({ attributes: { route: `/r${i}` }, startTimeUnixNano: T0, timeUnixNano: T0 + at * 1e9, flags: 0, count: 6 * k, sum: 2 * k, bucketCounts: [1 * k, 2 * k, 3 * k], explicitBounds: [0.1, 1] })) });
    t.processMetrics(batch(h(1, 1)));
    const out = t.processMetrics(batch(h(2, 2)));
    const points = out.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.points as HistogramDataPoint[];
    expect(points).toHaveLength(11);
    const totals = points.reduce((acc, p) => acc.map((x, i) => x + p.bucketCounts[i]!), [0, 0, 0]);
    expect(totals).toEqual([2000, 4000, 6000]);
    expect(points.reduce((n, p) => n + p.count, 0)).toBe(12_000);
  });

  it('removes denied labels and merges the series they split, as aggregation would', () => {
    const t = new CardinalityTransform(config({ deny_labels: ['user_id'] }), silentSettings('cardinality'));
    const m: Metric = { name: 'requests', description: '', unit: '', type: 'sum', temporality: 'cumulative', monotonic: true, points: [1, 2, 3].map((v, i) => ({ attributes: { route: '/a', user_id: `u${i}` }, startTimeUnixNano: T0, timeUnixNano: T0, flags: 0, value: v })) };
    const points = t.processMetrics(batch(m)).resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.points as NumberDataPoint[];
    expect(points.map((p) => [p.attributes, p.value])).toEqual([[{ route: '/a' }, 6]]);
  });

  it('replaces the value of a label past max_label_values with __overflow__ under label_overflow', () => {
    const t = new CardinalityTransform(config({ max_label_values: { route: 3 }, overflow: 'label_overflow' }), silentSettings('cardinality'));
    const points = t.processMetrics(batch(counter(6, () => 1, 1))).resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.points;
    expect(points.map((p) => p.attributes.route)).toEqual(['/r/u0', '/r/u1', '/r/u2', '__overflow__', '__overflow__', '__overflow__']);
  });

  it('drops and counts past the limit under drop, and reports series, overflow points and top labels', async () => {
    const settings = silentSettings('cardinality/edge');
    const t = new CardinalityTransform(config({ max_series_per_metric: 4, overflow: 'drop' }), settings);
    const points = t.processMetrics(batch(counter(10, () => 1, 1))).resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.points;
    expect(points).toHaveLength(4);
    const registry = settings.selfMetrics.registry;
    expect(await registry.getSingleMetricAsString('switchyard_cardinality_series')).toContain('switchyard_cardinality_series{processor="cardinality/edge",metric="requests"} 4');
    expect(await registry.getSingleMetricAsString('switchyard_cardinality_overflow_points_total')).toContain('metric="requests"} 6');
    expect(await registry.getSingleMetricAsString('switchyard_processor_dropped_points_total')).toContain('reason="cardinality_limit"} 6');
    const collapse = silentSettings('cardinality');
    new CardinalityTransform(config({ max_series_per_metric: 4 }), collapse).processMetrics(batch(counter(10, () => 1, 1)));
    expect(collapse.details.top_labels).toEqual([{ metric: 'requests', label: 'route', distinct_values: 10 }]);
  });

  it('refuses a bad regular expression among the per-metric limits', () => {
    const r = cardinalityProcessorFactory.configSchema.safeParse({ metrics: { '^celery_(': 10 } });
    expect(r.error!.issues[0]).toMatchObject({ path: ['metrics', '^celery_('] });
  });
});
