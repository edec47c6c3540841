import { describe, expect, it, vi } from 'vitest';
import type { Attributes } from '../../../src/model/common.ts';
import { FLAG_NO_RECORDED_VALUE, type ExponentialHistogramDataPoint, type HistogramDataPoint, type Metric, type MetricsBatch, type NumberDataPoint } from '../../../src/model/metrics.ts';
import { CardinalityTransform } from '../../../src/processors/cardinality/cardinality.ts';
import { cardinalityProcessorFactory } from '../../../src/processors/cardinality/factory.ts';
import { CumulativeState } from '../../../src/translate/cumulative-state.ts';
import { silentSettings } from '../../helpers/silent-settings.ts';

const T0 = 1_700_000_000e9;
const MIN = 60_000;
const config = (c: object) => cardinalityProcessorFactory.configSchema.parse(c);
const OVERFLOW = { 'otel.metric.overflow': true };

function batch(metric: Metric, resource: Attributes = { 'service.name': 'api' }): MetricsBatch {
  return { resourceMetrics: [{ resource: { attributes: resource }, schemaUrl: '', scopeMetrics: [{ scope: { name: '', version: '', attributes: {} }, schemaUrl: '', metrics: [metric] }] }] };
}

type Kind = { type: 'sum'; temporality: 'cumulative' | 'delta'; monotonic: boolean } | { type: 'gauge' };
const COUNTER: Kind = { type: 'sum', temporality: 'cumulative', monotonic: true };

/** A metric whose points are given as [labels, value] at `t` seconds. */
function numbers(points: [Attributes, number][], t: number, kind: Kind = COUNTER, name = 'requests'): Metric {
  return { name, description: '', unit: '', ...kind, points: points.map(([attributes, value]) => ({ attributes, startTimeUnixNano: T0, timeUnixNano: T0 + t * 1e9, flags: 0, value })) } as Metric;
}

function counter(sets: number, value: (i: number) => number, t: number, prefix = 'u', temporality: 'cumulative' | 'delta' = 'cumulative'): Metric {
  return numbers(Array.from({ length: sets }, (_, i) => [{ route: `/r/${prefix}${i}` }, value(i)]), t, { type: 'sum', temporality, monotonic: true });
}

const route = (r: string): Attributes => ({ route: r });
const pointsOf = (b: MetricsBatch) => b.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.flatMap((m): Metric['points'][number][] => m.points)));
const valuesOf = (b: MetricsBatch) => (pointsOf(b) as NumberDataPoint[]).map((p) => [p.attributes, p.value]);

/** What a Prometheus scrape would hold after each output batch: the latest value of every series. */
function scrapeState() {
  const state = new CumulativeState({ addMetricSuffixes: true, resourceToTelemetry: false, constLabels: {} });
  const series = (name: string) => [...(state.families.get(name)?.series.values() ?? [])];
  return {
    apply: (b: MetricsBatch) => state.apply(b, 0),
    series,
    total: (name = 'requests_total') => series(name).reduce((n, s) => n + s.value, 0),
    overflow: (name = 'requests_total') => series(name).find((s) => s.labels.some(([k, v]) => k === 'otel_metric_overflow' && v === 'true'))?.value,
  };
}

/** A transform whose clock the test moves. */
function clocked(c: object, id = 'cardinality') {
  const clock = { now: 0 };
  const settings = silentSettings(id);
  const t = new CardinalityTransform(config(c), settings, () => clock.now);
  return { t, clock, settings, run: (m: Metric, resource?: Attributes) => t.processMetrics(batch(m, resource)) };
}

describe('cardinality processor', () => {
  it('collapses every label set past the limit into otel_metric_overflow, keeping the metric’s total exact across exports', () => {
    const { t, clock, run } = clocked({ max_series_per_metric: 100 });
    const scrape = scrapeState();
    scrape.apply(run(counter(10_000, () => 1, 1)));
    scrape.apply(run(counter(10_000, () => 3, 2)));
    expect(scrape.series('requests_total').length).toBeLessThanOrEqual(101);
    expect(scrape.overflow()).toBe(9_900 * 3);
    expect(scrape.total()).toBe(30_000);

    // After series_ttl without them, the kept sets free their slots for new ones; the overflow never falls back.
    clock.now = 11 * MIN;
    scrape.apply(run(counter(50, () => 5, 700, 'new')));
    expect(scrape.series('requests_total').filter((s) => s.labels.some(([, v]) => v.startsWith('/r/new'))).length).toBe(50);
    expect(scrape.total()).toBe(30_000 + 250);
    // The metric of that resource sent nothing for series_ttl: all of it was forgotten.
    expect(t.trackedSeries).toBe(50);
  });

  it('keeps the limit per resource', () => {
    const { run } = clocked({ max_series_per_metric: 10 });
    for (const pod of ['a', 'b']) expect(pointsOf(run(counter(100, () => 1, 1), { 'service.name': 'api', pod }))).toHaveLength(11);
  });

  it('sums delta points of folded series into one delta overflow point per export', () => {
    const { run } = clocked({ max_series_per_metric: 2 });
    const out = run(counter(5, (i) => i + 1, 1, 'u', 'delta'));
    expect(valuesOf(out)).toEqual([[route('/r/u0'), 1], [route('/r/u1'), 2], [OVERFLOW, 3 + 4 + 5]]);
    expect(valuesOf(run(counter(5, () => 1, 2, 'u', 'delta')))).toEqual([[route('/r/u0'), 1], [route('/r/u1'), 1], [OVERFLOW, 3]]);
  });

  it('folds cumulative histograms bucket by bucket, with exact counts and sums', () => {
    const { run } = clocked({ max_series_per_metric: 10 });
    const out = run(histogram(1000, 1, 1));
    run(histogram(1000, 1, 1));
    const last = pointsOf(run(histogram(1000, 2, 2))) as HistogramDataPoint[];
    expect(last).toHaveLength(11);
    expect(last.reduce((acc, p) => acc.map((x, i) => x + p.bucketCounts[i]!), [0, 0, 0])).toEqual([2000, 4000, 6000]);
    expect(last.reduce((n, p) => n + p.count, 0)).toBe(12_000);
    expect(last.reduce((n, p) => n + p.sum!, 0)).toBe(2 * 0.25 * 1000);
    expect(pointsOf(out)).toHaveLength(11);
  });

  it('folds exponential histograms natively, at the coarsest scale, adding increases', () => {
    const { run } = clocked({ max_series_per_metric: 1 });
    const expo = (r: string, scale: number, offset: number, counts: number[], t: number): ExponentialHistogramDataPoint => ({ attributes: route(r), startTimeUnixNano: T0, timeUnixNano: T0 + t * 1e9, flags: 0, count: counts.reduce((a, b) => a + b, 0), sum: counts.length, scale, zeroCount: 0, zeroThreshold: 0, positive: { offset, bucketCounts: counts }, negative: { offset: 0, bucketCounts: [] } });
    const metric = (points: ExponentialHistogramDataPoint[]): Metric => ({ name: 'lat', description: '', unit: 's', type: 'exponential_histogram', temporality: 'cumulative', points });
    run(metric([expo('/kept', 0, 0, [1], 1), expo('/a', 1, 2, [1, 1], 1), expo('/b', 0, 1, [2], 1)]));
    // /a downscaled: scale 1 indexes 2 and 3 are scale 0 index 1; then /a adds one at index 2.
    const out = pointsOf(run(metric([expo('/kept', 0, 0, [1], 2), expo('/a', 0, 1, [2, 1], 2), expo('/b', 0, 1, [2], 2)]))) as ExponentialHistogramDataPoint[];
    const overflow = out.find((p) => p.attributes['otel.metric.overflow'])!;
    expect([overflow.scale, overflow.count, overflow.positive]).toEqual([0, 5, { offset: 1, bucketCounts: [4, 1] }]);
  });

  it('adds up the latest values of folded up-down counters, and keeps the latest value of folded gauges', () => {
    const { run } = clocked({ max_series_per_metric: 1 });
    const updown: Kind = { type: 'sum', temporality: 'cumulative', monotonic: false };
    run(numbers([[route('/k'), 1], [route('/a'), 5], [route('/b'), 7]], 1, updown));
    expect(valuesOf(run(numbers([[route('/k'), 1], [route('/a'), 2], [route('/b'), 7]], 2, updown)))).toEqual([[route('/k'), 1], [OVERFLOW, 9]]);
    expect(valuesOf(run(numbers([[route('/k'), 1], [route('/a'), 3], [route('/b'), 9]], 1, { type: 'gauge' }, 'temperature')))).toEqual([[route('/k'), 1], [OVERFLOW, 9]]);
  });

  // Each timeline keeps some label set of the metric reporting: a metric of a resource that sends
  // nothing at all for series_ttl is forgotten whole, as a resource that went away.
  describe('across series_ttl', () => {
    it('counts only the increase of a folded label set that went quiet and came back, not its whole value again', () => {
      const { clock, run } = clocked({ max_series_per_metric: 1 });
      const scrape = scrapeState();
      scrape.apply(run(numbers([[route('/kept'), 1], [route('/folded'), 1000]], 1)));
      clock.now = 6 * MIN;
      scrape.apply(run(numbers([[route('/kept'), 1]], 360)));
      clock.now = 11 * MIN; // /folded retires
      scrape.apply(run(numbers([[route('/kept'), 1]], 660)));
      clock.now = 12 * MIN;
      scrape.apply(run(numbers([[route('/folded'), 1000]], 720)));
      expect(scrape.overflow()).toBe(1000);
      scrape.apply(run(numbers([[route('/folded'), 1001]], 780)));
      expect(scrape.overflow()).toBe(1001);
      expect(scrape.total()).toBe(1 + 1001);
    });

    it('folds a kept label set that lost its slot while quiet with only its increase since, so its past never counts twice', () => {
      const { clock, run } = clocked({ max_series_per_metric: 2 });
      const scrape = scrapeState();
      scrape.apply(run(numbers([[route('/a'), 500], [route('/z'), 1]], 1)));
      clock.now = 6 * MIN;
      scrape.apply(run(numbers([[route('/z'), 1]], 360)));
      clock.now = 11 * MIN; // /a retires: /b takes its slot
      scrape.apply(run(numbers([[route('/z'), 1], [route('/b'), 7]], 660)));
      clock.now = 12 * MIN;
      scrape.apply(run(numbers([[route('/a'), 510]], 720)));
      expect(scrape.overflow()).toBe(10);
      // The scrape still holds /a at 500 (until the exporter's metric_expiration): 500 + 10 is /a's 510.
      expect(scrape.total()).toBe(510 + 7 + 1);
    });

    it('sends a folded label set back to the overflow series even when a slot is free, so it never counts twice', () => {
      const { clock, run } = clocked({ max_series_per_metric: 1 });
      run(numbers([[route('/a'), 1], [route('/b'), 40]], 1));
      clock.now = 6 * MIN;
      run(numbers([[route('/c'), 1]], 360));
      clock.now = 11 * MIN; // /a and /b retire; /a's slot is free
      expect(valuesOf(run(numbers([[route('/b'), 41]], 660)))).toEqual([[OVERFLOW, 40 + 1 + 1]]);
    });

    it('keeps histogram bucket counts and sums exact when label sets come back', () => {
      const { clock, run } = clocked({ max_series_per_metric: 10 });
      const scrape = scrapeState();
      scrape.apply(run(histogram(20, 1, 1)));
      clock.now = 6 * MIN;
      scrape.apply(run(histogram(1, 2, 360)));
      clock.now = 11 * MIN; // all but /r0 retire
      scrape.apply(run(histogram(20, 3, 660)));
      const held = scrape.series('lat_seconds');
      expect(held).toHaveLength(11);
      expect(held.reduce((acc, s) => acc.map((x, i) => x + s.histogram!.counts[i]!), [0, 0, 0])).toEqual([20 * 3, 20 * 6, 20 * 9]);
      expect(held.reduce((n, s) => n + s.histogram!.sum, 0)).toBe(20 * 3 * 0.25);
      expect(held.reduce((n, s) => n + s.histogram!.count, 0)).toBe(20 * 18);
    });

    it('frees the values of quiet label sets for max_label_values', () => {
      const { clock, run } = clocked({ max_label_values: { route: 2 } });
      run(numbers([[route('/a'), 1], [route('/b'), 1]], 1));
      clock.now = 6 * MIN;
      run(numbers([[route('/b'), 1]], 360));
      clock.now = 11 * MIN; // /a retires
      expect(valuesOf(run(numbers([[route('/b'), 1], [route('/c'), 1]], 660)))).toEqual([[route('/b'), 1], [route('/c'), 1]]);
    });
  });

  describe('max_tracked_series', () => {
    it('counts what it remembers: gauges, deltas and summaries folded or dropped every export do not fill it', () => {
      const { t, run } = clocked({ max_series_per_metric: 2, max_tracked_series: 20 });
      for (let i = 0; i < 50; i++) {
        run(numbers([1, 2, 3, 4, 5].map((n) => [route(`/g${n}`), n]), i, { type: 'gauge' }, 'temperature'));
        run(counter(5, () => 1, i, 'd', 'delta'));
        run({ name: 'rpc', description: '', unit: 's', type: 'summary', points: [1, 2, 3, 4].map((n) => ({ attributes: route(`/s${n}`), startTimeUnixNano: T0, timeUnixNano: T0 + i * 1e9, flags: 0, count: 1, sum: 1, quantileValues: [] })) });
      }
      expect(t.trackedSeries).toBe(6 + 6 + 2); // per metric: its label sets and its overflow series
      expect(valuesOf(run(numbers([[route('/new'), 1]], 60)))).toEqual([[route('/new'), 1]]);
    });

    it('drops new cumulative label sets when full, as reason max_tracked_series, and makes room from the oldest retired ones', async () => {
      const { t, clock, run, settings } = clocked({ max_tracked_series: 3 });
      run(numbers([[route('/a'), 1], [route('/b'), 1], [route('/c'), 1]], 1));
      expect(valuesOf(run(numbers([[route('/d'), 1]], 2)))).toEqual([]);
      expect(await settings.selfMetrics.registry.getSingleMetricAsString('switchyard_processor_dropped_points_total')).toContain('reason="max_tracked_series"} 1');
      clock.now = 5 * MIN;
      run(numbers([[route('/b'), 2], [route('/c'), 2]], 300));
      clock.now = 11 * MIN; // /a retired first
      expect(valuesOf(run(numbers([[route('/d'), 1]], 660)))).toEqual([[route('/d'), 1]]);
      expect(t.trackedSeries).toBe(3);
    });
  });

  describe('label limits', () => {
    it('replaces values past max_label_values with __overflow__ under label_overflow, merging the sets that then coincide', () => {
      const { run } = clocked({ max_label_values: { route: 3 }, overflow: 'label_overflow' });
      const scrape = scrapeState();
      scrape.apply(run(counter(6, (i) => i + 1, 1)));
      expect(valuesOf(run(counter(6, (i) => i + 1, 1)))).toEqual([[route('/r/u0'), 1], [route('/r/u1'), 2], [route('/r/u2'), 3], [route('__overflow__'), 4 + 5 + 6]]);
      scrape.apply(run(counter(6, (i) => 2 * (i + 1), 2)));
      expect(scrape.total()).toBe(42);
    });

    it('folds a label set with a value past max_label_values into the overflow series under collapse', () => {
      const { run } = clocked({ max_label_values: { route: 2 } });
      const out = run(numbers([[{ route: '/a', method: 'GET' }, 1], [{ route: '/b', method: 'GET' }, 2], [{ route: '/c', method: 'GET' }, 3], [{ route: '/a', method: 'POST' }, 4]], 1));
      expect(valuesOf(out)).toEqual([[{ route: '/a', method: 'GET' }, 1], [{ route: '/b', method: 'GET' }, 2], [{ route: '/a', method: 'POST' }, 4], [OVERFLOW, 3]]);
    });

    it('handles label values that look like the key syntax (; and =) and counts them in the top labels', () => {
      const { t, run } = clocked({ max_series_per_metric: 1 });
      run(numbers([[route('/a'), 1], [route('/b?x=1;y=2'), 1], [{ route: '/c', '"q"': 'x;"k"=1' }, 1]], 1));
      expect(t.topLabels()).toEqual([{ metric: 'requests', label: 'route', distinct_values: 2 }, { metric: 'requests', label: '"q"', distinct_values: 1 }]);
    });
  });

  describe('deny_labels', () => {
    it('removes denied labels and merges the series they split, as aggregation would', () => {
      const { run } = clocked({ deny_labels: ['user_id'] });
      expect(valuesOf(run(numbers([1, 2, 3].map((v, i) => [{ route: '/a', user_id: `u${i}` }, v]), 1)))).toEqual([[route('/a'), 6]]);
    });

    it('keeps a merged counter monotonic when one of the merged series stops reporting', () => {
      const { run } = clocked({ deny_labels: ['user_id'] });
      run(numbers([[{ route: '/a', user_id: 'u1' }, 5], [{ route: '/a', user_id: 'u2' }, 3]], 1));
      expect(valuesOf(run(numbers([[{ route: '/a', user_id: 'u1' }, 6]], 2)))).toEqual([[route('/a'), 9]]);
      expect(valuesOf(run(numbers([[{ route: '/a', user_id: 'u2' }, 4]], 3)))).toEqual([[route('/a'), 10]]);
    });

    it('merges into a series kept with the same labels, continuing from its value', () => {
      const { run } = clocked({ deny_labels: ['user_id'] });
      run(numbers([[route('/a'), 10]], 1));
      expect(valuesOf(run(numbers([[route('/a'), 12], [{ route: '/a', user_id: 'u1' }, 5]], 2)))).toEqual([[route('/a'), 17]]);
      expect(valuesOf(run(numbers([[route('/a'), 13]], 3)))).toEqual([[route('/a'), 18]]);
    });

    it('continues from the last recorded value, not from a staleness marker', () => {
      const { run } = clocked({ deny_labels: ['user_id'] });
      run(numbers([[route('/a'), 10]], 1));
      const stale = numbers([[route('/a'), 0]], 2);
      (stale.points[0]!.flags as number) = FLAG_NO_RECORDED_VALUE;
      run(stale);
      expect(valuesOf(run(numbers([[{ route: '/a', user_id: 'u1' }, 5]], 3)))).toEqual([[route('/a'), 15]]);
    });
  });

  describe('the overflow series', () => {
    it('keeps keep_labels, one overflow series per their values', () => {
      const { run } = clocked({ max_series_per_metric: 1, keep_labels: ['service', 'env'] });
      const set = (env: string, i: number) => ({ service: 'api', env, route: `/r${i}` });
      const out = run(numbers([[set('prod', 0), 1], [set('prod', 1), 2], [set('prod', 2), 3], [set('dev', 3), 4]], 1));
      expect(valuesOf(out)).toEqual([[set('prod', 0), 1], [{ ...OVERFLOW, service: 'api', env: 'prod' }, 5], [{ ...OVERFLOW, service: 'api', env: 'dev' }, 4]]);
    });

    it('merges with an overflow series that came from upstream under the same labels', () => {
      const { run } = clocked({ max_series_per_metric: 2 });
      run(numbers([[OVERFLOW, 100], [route('/a'), 1]], 1));
      expect(valuesOf(run(numbers([[OVERFLOW, 110], [route('/a'), 1], [route('/b'), 5]], 2)))).toEqual([[route('/a'), 1], [OVERFLOW, 115]]);
    });

    it('drops summaries that cannot fold, as reason unfoldable', async () => {
      const { run, settings } = clocked({ max_series_per_metric: 1 });
      const out = run({ name: 'rpc', description: '', unit: 's', type: 'summary', points: [1, 2].map((n) => ({ attributes: route(`/s${n}`), startTimeUnixNano: T0, timeUnixNano: T0, flags: 0, count: 1, sum: 1, quantileValues: [] })) });
      expect(pointsOf(out)).toHaveLength(1);
      expect(await settings.selfMetrics.registry.getSingleMetricAsString('switchyard_processor_dropped_points_total')).toContain('reason="unfoldable"} 1');
    });
  });

  describe('self-telemetry', () => {
    it('drops and counts past the limit under drop, and names the offending label', async () => {
      const { run, t, settings } = clocked({ max_series_per_metric: 4, overflow: 'drop' }, 'cardinality/edge');
      expect(pointsOf(run(counter(10, () => 1, 1)))).toHaveLength(4);
      const registry = settings.selfMetrics.registry;
      expect(await registry.getSingleMetricAsString('switchyard_cardinality_series')).toContain('switchyard_cardinality_series{processor="cardinality/edge",metric="requests"} 4');
      expect(await registry.getSingleMetricAsString('switchyard_cardinality_overflow_points_total')).toContain('metric="requests"} 6');
      expect(await registry.getSingleMetricAsString('switchyard_processor_dropped_points_total')).toContain('reason="cardinality_limit"} 6');
      expect(JSON.parse(JSON.stringify(settings.details.top_labels))).toEqual([{ metric: 'requests', label: 'route', distinct_values: 6 }]);
      expect(JSON.parse(JSON.stringify(settings.details.series_by_metric))).toEqual([{ metric: 'requests', series: 4 }]);
      expect(t.trackedSeries).toBe(4);
    });

    it('names the offending label under collapse and label_overflow too, in /health/detailed’s top_labels', () => {
      for (const overflow of ['collapse', 'label_overflow']) {
        const { run, settings } = clocked({ max_series_per_metric: 4, max_label_values: { user: 3 }, overflow });
        run(numbers(Array.from({ length: 10 }, (_, i) => [{ route: `/r${i % 2}`, user: `u${i}` }, 1]), 1));
        expect(JSON.parse(JSON.stringify(settings.details.top_labels)), overflow).toEqual([
          { metric: 'requests', label: 'user', distinct_values: 7 },
          { metric: 'requests', label: 'route', distinct_values: 2 },
        ]);
      }
    });

    it('counts series over every resource, and forgets them after series_ttl', async () => {
      const { clock, run, settings } = clocked({});
      for (const pod of ['a', 'b']) run(counter(5, () => 1, 1), { 'service.name': 'api', pod });
      const gauge = () => settings.selfMetrics.registry.getSingleMetricAsString('switchyard_cardinality_series');
      expect(await gauge()).toContain('metric="requests"} 10');
      clock.now = 11 * MIN;
      run(numbers([[route('/x'), 1]], 700, { type: 'gauge' }, 'other'));
      expect(await gauge()).not.toContain('metric="requests"');
    });

    it('lowers the series gauge between batches too, once started, and removes its series on shutdown', async () => {
      vi.useFakeTimers();
      try {
        const { t, clock, run, settings } = clocked({ series_ttl: '1m' });
        await t.start();
        run(counter(3, () => 1, 1));
        const gauge = () => settings.selfMetrics.registry.getSingleMetricAsString('switchyard_cardinality_series');
        expect(await gauge()).toContain('metric="requests"} 3');
        clock.now = 2 * MIN;
        vi.advanceTimersByTime(15_000);
        expect(await gauge()).not.toContain('metric="requests"');
        run(counter(2, () => 1, 2));
        await t.shutdown();
        expect(await gauge()).not.toContain('metric="requests"');
      } finally {
        vi.useRealTimers();
      }
    });
  });

  it('refuses a bad regular expression among the per-metric limits', () => {
    const r = cardinalityProcessorFactory.configSchema.safeParse({ metrics: { '^celery_(': 10 } });
    expect(r.error!.issues[0]).toMatchObject({ path: ['metrics', '^celery_('] });
  });
});

/** `sets` label sets of a cumulative histogram (bounds 0.1, 1), each with buckets [k, 2k, 3k], at `t` s. */
function histogram(sets: number, k: number, t: number): Metric {
  return {
    name: 'lat',
    description: '',
    unit: 's',
    type: 'histogram',
    temporality: 'cumulative',
    points: Array.from({ length: sets }, (_, i) => ({ attributes: route(`/r${i}`), startTimeUnixNano: T0, timeUnixNano: T0 + t * 1e9, flags: 0, count: 6 * k, sum: 0.25 * k, bucketCounts: [k, 2 * k, 3 * k], explicitBounds: [0.1, 1] })),
  };
}
