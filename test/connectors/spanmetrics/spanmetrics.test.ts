import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeTracesProto } from '../../../src/otlp/decode/index.ts';
import { SpanAggregator } from '../../../src/connectors/spanmetrics/aggregator.ts';
import { spanmetricsConnectorFactory } from '../../../src/connectors/spanmetrics/factory.ts';
import type { HistogramDataPoint, MetricsBatch, NumberDataPoint } from '../../../src/model/metrics.ts';
import type { Span, TracesBatch } from '../../../src/model/traces.ts';
import { sdkTraceBodies } from '../../helpers/sdk-bodies.ts';
import { silentSettings } from '../../helpers/silent-settings.ts';

const HTTP_DIMS = {
  exclude_dimensions: ['span.name', 'span.kind', 'status.code'],
  dimensions: [{ name: 'http.request.method', fallbacks: ['http.method'] }, { name: 'http.route' }, { name: 'http.response.status_code', fallbacks: ['http.status_code'] }],
};

let id = 0;
function span(attributes: Span['attributes'], ms: number, kind = 2): Span {
  id++;
  return { traceId: id.toString(16).padStart(32, '0'), spanId: id.toString(16).padStart(16, '0'), parentSpanId: '', traceState: '', name: 'GET', kind, startTimeUnixNano: 1e18, endTimeUnixNano: 1e18 + ms * 1e6, attributes, events: [], links: [], status: { code: 0, message: '' } };
}
const traces = (...spans: Span[]): TracesBatch => ({ resourceSpans: [{ resource: { attributes: { 'service.name': 'api', 'deployment.environment.name': 'prod', 'host.name': 'h' } }, schemaUrl: '', scopeSpans: [{ scope: { name: '', version: '', attributes: {} }, schemaUrl: '', spans }] }] });
const metric = (b: MetricsBatch, suffix: string) => b.resourceMetrics[0]!.scopeMetrics[0]!.metrics.find((m) => m.name.endsWith(suffix))!;
const aggregator = (extra: object = {}) => new SpanAggregator(spanmetricsConnectorFactory.configSchema.parse({ ...HTTP_DIMS, ...extra }));

describe('spanmetrics connector', () => {
  it('counts SERVER spans by method, route and status, taking old and new HTTP conventions under the new names', () => {
    const a = aggregator();
    a.add(traces(span({ 'http.request.method': 'GET', 'http.route': '/a', 'http.response.status_code': 200 }, 30), span({ 'http.method': 'GET', 'http.route': '/a', 'http.status_code': 200 }, 70), span({ 'http.request.method': 'GET', 'http.route': '/a' }, 5, 3)), 0);
    const out = a.snapshot(1);
    const calls = metric(out, '.calls');
    expect(calls).toMatchObject({ name: 'traces.span.metrics.calls', type: 'sum', monotonic: true, temporality: 'cumulative' });
    expect(calls.points.map((p) => [p.attributes, (p as NumberDataPoint).value])).toEqual([[{ 'service.name': 'api', 'http.request.method': 'GET', 'http.route': '/a', 'http.response.status_code': 200 }, 2]]);
    expect(out.resourceMetrics[0]!.resource.attributes).toEqual({ 'service.name': 'api', 'deployment.environment.name': 'prod' });
    const d = metric(out, '.duration').points[0] as HistogramDataPoint;
    expect(d).toMatchObject({ count: 2, sum: 0.1 });
    expect(d.bucketCounts[d.explicitBounds.indexOf(0.05)]).toBe(1); // 30 ms in (0.025, 0.05]
    expect(d.bucketCounts[d.explicitBounds.indexOf(0.075)]).toBe(1); // 70 ms in (0.05, 0.075]
  });

  it('records durations in milliseconds when asked', () => {
    const a = aggregator({ histogram: { unit: 'ms', explicit: { buckets: [10, 100] } } });
    a.add(traces(span({}, 50)), 0);
    const d = metric(a.snapshot(1), '.duration');
    expect(d.unit).toBe('ms');
    expect(d.points[0]).toMatchObject({ sum: 50, bucketCounts: [0, 1, 0] });
  });

  it('stays cumulative across flushes and forgets series past metrics_expiration', () => {
    const a = aggregator({ metrics_expiration: '1m' });
    a.add(traces(span({ 'http.route': '/a' }, 1)), 0);
    a.add(traces(span({ 'http.route': '/a' }, 1)), 10_000);
    expect((metric(a.snapshot(20_000), '.calls').points[0] as NumberDataPoint).value).toBe(2);
    a.add(traces(span({ 'http.route': '/b' }, 1)), 65_000);
    expect(metric(a.snapshot(70_000), '.calls').points.map((p) => p.attributes['http.route'])).toEqual(['/b']);
  });

  it('folds label sets past the cardinality limit into otel.metric.overflow, losing no span', () => {
    const a = aggregator({ aggregation_cardinality_limit: 3 });
    a.add(traces(...Array.from({ length: 10 }, (_, i) => span({ 'http.route': `/r${i}` }, 1))), 0);
    const points = metric(a.snapshot(1), '.calls').points as NumberDataPoint[];
    expect(points).toHaveLength(4);
    expect(points.find((p) => p.attributes['otel.metric.overflow'] === true)!.value).toBe(7);
    expect(points.reduce((n, p) => n + p.value, 0)).toBe(10);
  });

  it('gives the overflow series the service and, with overflow_dimension_value, that value on every other dimension', () => {
    const a = aggregator({ aggregation_cardinality_limit: 1, overflow_dimension_value: '__overflow__' });
    a.add(traces(span({ 'http.request.method': 'GET', 'http.route': '/a', 'http.response.status_code': 200 }, 1), span({ 'http.method': 'POST', 'http.route': '/b', 'http.status_code': 500 }, 1), span({ 'http.route': '/c' }, 1)), 0);
    const out = a.snapshot(1);
    const overflow = { 'otel.metric.overflow': true, 'service.name': 'api', 'http.request.method': '__overflow__', 'http.route': '__overflow__', 'http.response.status_code': '__overflow__' };
    expect(metric(out, '.calls').points.map((p) => [p.attributes, (p as NumberDataPoint).value])).toEqual([
      [{ 'service.name': 'api', 'http.request.method': 'GET', 'http.route': '/a', 'http.response.status_code': 200 }, 1],
      [overflow, 2],
    ]);
    expect(metric(out, '.duration').points[1]).toMatchObject({ attributes: overflow, count: 2 });
  });

  it('refuses bucket bounds that are not strictly increasing, naming the key (they would fill the wrong buckets)', () => {
    for (const buckets of [[1, 0.5, 0.25], [0.5, 0.5, 1]]) {
      const parsed = spanmetricsConnectorFactory.configSchema.safeParse({ histogram: { explicit: { buckets } } });
      expect(parsed.success).toBe(false);
      expect(parsed.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['histogram.explicit.buckets', 'bucket bounds must be strictly increasing']]);
    }
  });

  it('counts the span kinds it is given instead of SERVER', () => {
    const a = aggregator({ span_kinds: ['SPAN_KIND_CLIENT', 'SPAN_KIND_CONSUMER'] });
    a.add(traces(span({ 'http.route': '/server' }, 1, 2), span({ 'http.route': '/client' }, 1, 3), span({ 'http.route': '/consumer' }, 1, 5), span({ 'http.route': '/internal' }, 1, 1)), 0);
    expect(metric(a.snapshot(1), '.calls').points.map((p) => p.attributes['http.route'])).toEqual(['/client', '/consumer']);
  });

  describe('flush timer', () => {
    afterEach(() => vi.useRealTimers());

    it('sends the cumulative series every metrics_flush_interval, and again when nothing new came', async () => {
      vi.useFakeTimers({ now: 1_700_000_000_000 });
      const out: MetricsBatch[] = [];
      const c = spanmetricsConnectorFactory.create(silentSettings('spanmetrics'), spanmetricsConnectorFactory.configSchema.parse({ ...HTTP_DIMS, metrics_flush_interval: '2s' }), { metrics: { consumeMetrics: async (b) => void out.push(b) } });
      await c.start();
      await c.consumeTraces!(traces(span({ 'http.route': '/a' }, 1), span({ 'http.route': '/a' }, 1)));
      await vi.advanceTimersByTimeAsync(1_999);
      expect(out).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(out).toHaveLength(1);
      await c.consumeTraces!(traces(span({ 'http.route': '/a' }, 1)));
      await vi.advanceTimersByTimeAsync(4_000);
      const calls = out.map((b) => (metric(b, '.calls').points[0] as NumberDataPoint).value);
      expect(calls).toEqual([2, 3, 3]);
      expect(metric(out[2]!, '.calls').points[0]!.timeUnixNano).toBe((1_700_000_000_000 + 6_000) * 1e6);
      await c.shutdown();
      expect(out).toHaveLength(3); // nothing new since the last flush
    });
  });

  it('counts real SDK spans and sends what it counted when shut down', async () => {
    const { proto } = await sdkTraceBodies();
    const out: MetricsBatch[] = [];
    const c = spanmetricsConnectorFactory.create(silentSettings('spanmetrics'), spanmetricsConnectorFactory.configSchema.parse({}), { metrics: { consumeMetrics: async (b) => void out.push(b) } });
    await c.start();
    await c.consumeTraces!(decodeTracesProto(proto).batch);
    await c.shutdown();
    expect(out).toHaveLength(1);
    const calls = metric(out[0]!, '.calls').points[0]!;
    expect(calls.attributes).toEqual({ 'service.name': 'prompter-api', 'span.name': 'GET /v1/prompts/:id', 'span.kind': 'SPAN_KIND_SERVER', 'status.code': 'STATUS_CODE_ERROR' });
    expect((calls as NumberDataPoint).value).toBe(1);
  });
});
