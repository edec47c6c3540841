import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { renameProcessorFactory } from '../../../src/processors/rename/factory.ts';
import type { ExponentialHistogramDataPoint, HistogramDataPoint, Metric, MetricsBatch, NumberDataPoint } from '../../../src/model/metrics.ts';
import { freezeShared } from '../../helpers/deep-freeze.ts';
import { silentSettings } from '../../helpers/silent-settings.ts';

function batch(...metrics: Metric[]): MetricsBatch {
  // The processor owns the batch (mutatesData): only what the ownership rule keeps read-only is frozen.
  return freezeShared({ resourceMetrics: [{ resource: { attributes: { 'service.name': 'api' } }, schemaUrl: '', scopeMetrics: [{ scope: { name: 's', version: '', attributes: {} }, schemaUrl: '', metrics }] }] });
}

const T = 1_700_000_000e9;
const num = (attributes: Record<string, string | number>, value: number, t = T) => ({ attributes, startTimeUnixNano: T - 1e9, timeUnixNano: t, flags: 0, value });
const counter = (name: string, points: NumberDataPoint[], temporality: 'cumulative' | 'delta' = 'cumulative'): Metric => ({ name, description: '', unit: '', type: 'sum', temporality, monotonic: true, points });
const histogram = (name: string, unit: string, points: Partial<HistogramDataPoint>[]): Metric => ({
  name,
  description: '',
  unit,
  type: 'histogram',
  temporality: 'cumulative',
  points: points.map((p) => ({ attributes: {}, startTimeUnixNano: T - 1e9, timeUnixNano: T, flags: 0, count: 0, bucketCounts: [], explicitBounds: [], ...p })),
});

/** Runs batches through one rename processor made from `config`; returns the last output's metrics by name. */
async function run(config: unknown, ...inputs: MetricsBatch[]) {
  const logs: Record<string, unknown>[] = [];
  const settings = { ...silentSettings('rename'), logger: pino({ level: 'warn' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) }) };
  let out: MetricsBatch | undefined;
  const p = renameProcessorFactory.createMetrics!(settings, renameProcessorFactory.configSchema.parse(config), { consumeMetrics: async (b) => void (out = b) });
  for (const input of inputs) await p.consumeMetrics(input);
  const metrics = out?.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics)) ?? [];
  const dropped = async () => (await settings.selfMetrics.registry.getSingleMetricAsString('switchyard_processor_dropped_points_total')) ?? '';
  return { metrics, byName: (n: string) => metrics.filter((m) => m.name === n), settings, logs, dropped };
}

describe('rename processor', () => {
  it('renames by exact name and renames labels for every metric', async () => {
    const { metrics } = await run({ labels: { 'http.route': 'route' }, metrics: [{ from: 'prompter.probe.attempts', to: 'prompter_probe_attempts' }] }, batch(counter('prompter.probe.attempts', [num({ 'http.route': '/a', provider: 'openai' }, 3)]), counter('other', [num({ 'http.route': '/b' }, 1)])));
    expect(metrics.map((m) => [m.name, m.points[0]!.attributes])).toEqual([
      ['prompter_probe_attempts', { route: '/a', provider: 'openai' }],
      ['other', { route: '/b' }],
    ]);
  });

  it('renames with regex capture groups', async () => {
    const { metrics } = await run({ metrics: [{ match: '^prompter\\.(.*)\\.(.*)$', to: 'prompter_$1_$2_total' }] }, batch(counter('prompter.probe.failures', [num({}, 1)]), counter('prompter.version.lookups', [num({}, 2)])));
    expect(metrics.map((m) => m.name)).toEqual(['prompter_probe_failures_total', 'prompter_version_lookups_total']);
  });

  it('takes only the points whose labels match match_labels, leaving the rest under the old name', async () => {
    const { byName } = await run({ metrics: [{ from: 'requests', to: 'errors', match_labels: { status: '^5' } }] }, batch(counter('requests', [num({ status: 200 }, 10), num({ status: 503 }, 2), num({ status: 500 }, 1)])));
    expect(byName('errors')[0]!.points.map((p) => (p as NumberDataPoint).value)).toEqual([2, 1]);
    expect(byName('requests')[0]!.points.map((p) => (p as NumberDataPoint).value)).toEqual([10]);
  });

  it('maps label values by the new label name', async () => {
    const { metrics } = await run({ metrics: [{ from: 'r', labels: { 'http.response.status_code': 'status' }, values: { status: { '200': 'OK' } } }] }, batch(counter('r', [num({ 'http.response.status_code': 200 }, 1), num({ 'http.response.status_code': 404 }, 1)])));
    expect(metrics[0]!.points.map((p) => p.attributes)).toEqual([{ status: 'OK' }, { status: 404 }]);
  });

  it('aggregates cumulative and delta sums over the labels it drops', async () => {
    for (const temporality of ['cumulative', 'delta'] as const) {
      const { metrics } = await run({ metrics: [{ from: 'c', aggregate_labels: ['route'] }] }, batch(counter('c', [num({ route: '/a', user_id: 'u1' }, 3), num({ route: '/a', user_id: 'u2' }, 4), num({ route: '/b', user_id: 'u1' }, 5)], temporality)));
      expect(metrics[0]!.points.map((p) => [p.attributes, (p as NumberDataPoint).value])).toEqual([
        [{ route: '/a' }, 7],
        [{ route: '/b' }, 5],
      ]);
      expect(metrics[0]).toMatchObject({ temporality, monotonic: true });
    }
  });

  it('aggregates histograms bucket by bucket, exactly', async () => {
    const { metrics } = await run({ metrics: [{ from: 'h', aggregate_labels: ['route'] }] }, batch(histogram('h', 's', [
      { attributes: { route: '/a', method: 'GET' }, count: 3, sum: 1, min: 0.1, max: 0.6, bucketCounts: [1, 2, 0], explicitBounds: [0.5, 1] },
      { attributes: { route: '/a', method: 'POST' }, count: 4, sum: 3, min: 0.05, max: 2, bucketCounts: [2, 1, 1], explicitBounds: [0.5, 1] },
    ])));
    expect(metrics[0]!.points).toEqual([{ attributes: { route: '/a' }, startTimeUnixNano: T - 1e9, timeUnixNano: T, flags: 0, count: 7, sum: 4, min: 0.05, max: 2, bucketCounts: [3, 3, 1], explicitBounds: [0.5, 1] }]);
  });

  it('combines gauges by the configured aggregation', async () => {
    const gauge: Metric = { name: 'g', description: '', unit: '', type: 'gauge', points: [num({ pod: 'a' }, 1, T), num({ pod: 'b' }, 5, T + 1), num({ pod: 'c' }, 3, T + 2)] };
    for (const [how, expected] of [['max', 5], ['min', 1], ['mean', 3], ['sum', 9], ['last', 3]] as const) {
      const { metrics } = await run({ metrics: [{ from: 'g', aggregate_labels: [], gauge_aggregation: how }] }, batch(gauge));
      expect((metrics[0]!.points[0] as NumberDataPoint).value, how).toBe(expected);
    }
  });

  it('merges exponential histograms of different scales by downscaling, keeping every count', async () => {
    const exp = (scale: number, offset: number, counts: number[], pod: string): ExponentialHistogramDataPoint => ({ attributes: { pod }, startTimeUnixNano: T, timeUnixNano: T, flags: 0, count: counts.reduce((a, b) => a + b, 0), sum: 1, scale, zeroCount: 0, zeroThreshold: 0, positive: { offset, bucketCounts: counts }, negative: { offset: 0, bucketCounts: [] } });
    const m: Metric = { name: 'e', description: '', unit: 's', type: 'exponential_histogram', temporality: 'delta', points: [exp(2, 4, [1, 1, 1, 1], 'a'), exp(1, 2, [5], 'b')] };
    const { metrics } = await run({ metrics: [{ from: 'e', aggregate_labels: [] }] }, batch(m));
    const p = metrics[0]!.points[0] as ExponentialHistogramDataPoint;
    expect(p.scale).toBe(1);
    expect(p.count).toBe(9);
    // Scale-2 indexes 4..7 become scale-1 indexes 2, 2, 3, 3; scale-1 index 2 adds 5.
    expect(p.positive).toEqual({ offset: 2, bucketCounts: [7, 2] });
  });

  it('scales a histogram in seconds to milliseconds: bounds, sum, min and max, never counts', async () => {
    const { metrics } = await run({ metrics: [{ from: 'h', to: 'prompter.http.latency', scale: 1000, unit: 'ms' }] }, batch(histogram('h', 's', [{ count: 2, sum: 0.3, min: 0.1, max: 0.2, bucketCounts: [1, 1], explicitBounds: [0.15] }])));
    expect(metrics[0]).toMatchObject({ name: 'prompter.http.latency', unit: 'ms' });
    expect(metrics[0]!.points[0]).toMatchObject({ count: 2, sum: 300, min: 100, max: 200, bucketCounts: [1, 1], explicitBounds: [150] });
  });

  it('scales an exponential histogram by first converting it, exactly, to explicit buckets', async () => {
    const exp: Metric = { name: 'e', description: '', unit: 's', type: 'exponential_histogram', temporality: 'cumulative', points: [{ attributes: {}, startTimeUnixNano: T, timeUnixNano: T, flags: 0, count: 4, sum: 7, min: 0, max: 3.5, scale: 0, zeroCount: 1, zeroThreshold: 0, positive: { offset: 0, bucketCounts: [1, 2] }, negative: { offset: 0, bucketCounts: [] } }] };
    const { metrics } = await run({ metrics: [{ from: 'e', scale: 1000, unit: 'ms' }] }, batch(exp));
    // Base-2 buckets (1, 2] and (2, 4] after the zero bucket: bounds 0, 2 and 4 seconds, in milliseconds.
    expect(metrics[0]).toMatchObject({ type: 'histogram', unit: 'ms', temporality: 'cumulative' });
    expect(metrics[0]!.points[0]).toMatchObject({ count: 4, sum: 7000, min: 0, max: 3500, bucketCounts: [1, 1, 2, 0], explicitBounds: [0, 2000, 4000] });
  });

  it('inserts a renamed copy beside the original with action insert', async () => {
    const { metrics } = await run({ metrics: [{ from: 'c', to: 'c2', action: 'insert' }] }, batch(counter('c', [num({}, 1)])));
    expect(metrics.map((m) => m.name)).toEqual(['c', 'c2']);
  });

  it('derives a monotonic counter from a histogram’s count with histogram_count', async () => {
    const { byName } = await run(
      { metrics: [{ from: 'http.server.request.duration', to: 'starlette_requests_processing_seconds', histogram_count: 'starlette_requests_total' }] },
      batch(histogram('http.server.request.duration', 's', [{ attributes: { route: '/a' }, count: 12, sum: 3, bucketCounts: [12], explicitBounds: [] }])),
    );
    expect(byName('starlette_requests_total')[0]).toMatchObject({ type: 'sum', monotonic: true, temporality: 'cumulative', points: [{ attributes: { route: '/a' }, value: 12 }] });
    expect(byName('starlette_requests_processing_seconds')).toHaveLength(1);
  });

  it('fills $1 in histogram_count from the match groups', async () => {
    const { metrics } = await run({ metrics: [{ match: '^(\\w+)\\.duration$', to: '$1_seconds', histogram_count: '$1_requests_total' }] }, batch(histogram('api.duration', 's', [{ count: 5, bucketCounts: [5], explicitBounds: [] }])));
    expect(metrics.map((m) => [m.name, m.type])).toEqual([['api_seconds', 'histogram'], ['api_requests_total', 'sum']]);
    expect(metrics[1]!.points).toMatchObject([{ value: 5 }]);
  });

  it('merges two metrics renamed onto one name, and drops (and counts) one of another type', async () => {
    const gauge: Metric = { name: 'b', description: '', unit: '', type: 'gauge', points: [num({}, 1)] };
    const { byName, dropped } = await run({ metrics: [{ match: '^(a1|a2)$', to: 'a' }, { from: 'b', to: 'a' }] }, batch(counter('a1', [num({ k: 'x' }, 1)]), counter('a2', [num({ k: 'x' }, 2)]), gauge));
    expect(byName('a')).toHaveLength(1);
    expect(byName('a')[0]).toMatchObject({ type: 'sum', points: [{ value: 3 }] });
    expect(await dropped()).toContain('reason="type_conflict"} 1');
  });

  it('logs a run-time type conflict once per name, while counting every dropped point', async () => {
    // Two batches alike (a batch handed on is the processor's: the same one is never sent twice).
    const input = () => batch(counter('c', [num({}, 1)]), { name: 'g', description: '', unit: '', type: 'gauge', points: [num({ pod: 'a' }, 1), num({ pod: 'b' }, 2)] });
    const { logs, dropped } = await run({ metrics: [{ from: 'g', to: 'c' }] }, input(), input());
    expect(await dropped()).toContain('reason="type_conflict"} 4');
    expect(logs.map((l) => [l.level, l.msg, l.metric, l.reason])).toEqual([[40, 'Dropped points of "c": another metric of that name has another type.', 'c', 'type_conflict']]);
  });

  it('drops, counts and logs histogram points whose bounds differ from the first of their merged set', async () => {
    const { metrics, dropped, logs } = await run({ metrics: [{ from: 'h', aggregate_labels: ['route'] }] }, batch(histogram('h', 's', [
      { attributes: { route: '/a', pod: '1' }, count: 2, bucketCounts: [1, 1], explicitBounds: [0.5] },
      { attributes: { route: '/a', pod: '2' }, count: 3, bucketCounts: [1, 1, 1], explicitBounds: [0.1, 1] },
      { attributes: { route: '/a', pod: '3' }, count: 4, bucketCounts: [2, 2], explicitBounds: [0.5] },
    ])));
    expect(metrics[0]!.points).toMatchObject([{ attributes: { route: '/a' }, count: 6, bucketCounts: [3, 3], explicitBounds: [0.5] }]);
    expect(await dropped()).toContain('reason="histogram_bounds_mismatch"} 1');
    expect(logs.map((l) => l.reason)).toEqual(['histogram_bounds_mismatch']);
  });

  describe('config', () => {
    const issues = (config: unknown) => {
      const r = renameProcessorFactory.configSchema.safeParse(config);
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    it('refuses an unknown key, a bad regex, both from and match, and $1 without match', () => {
      expect(issues({ metrics: [{ from: 'a', too: 'b' }] })).toEqual(['metrics.0: Unrecognized key(s) in object: \'too\'']);
      expect(issues({ metrics: [{ match: '(' }] })).toEqual(['metrics.0.match: "(" is not a valid regular expression']);
      expect(issues({ metrics: [{ from: 'a', match: 'a' }] })).toEqual(['metrics.0: give exactly one of "from" (an exact name) and "match" (a regular expression)']);
      expect(issues({ metrics: [{ from: 'a', to: 'x_$1' }] })).toEqual(['metrics.0.to: "$N" in to needs "match" (a regular expression with groups), not "from"']);
    });
    it('refuses a name that would carry a histogram and a counter', () => {
      expect(issues({ metrics: [{ from: 'h', to: 'x', histogram_count: 'x' }] })).toEqual(['metrics.0.histogram_count: "x" would be both the histogram and its count (a counter): two types under one name']);
      expect(issues({ metrics: [{ from: 'h1', histogram_count: 'n' }, { from: 'h2', to: 'n', histogram_count: 'm' }] })).toEqual(['metrics.1.to: "n" is the counter of metrics[0].histogram_count and the histogram renamed here: two types under one name']);
    });
  });
});
