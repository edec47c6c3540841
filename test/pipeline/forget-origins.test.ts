import { describe, expect, it } from 'vitest';
import { prometheusExporterFactory } from '../../exporters/prometheus/factory.ts';
import { SpanAggregator } from '../../src/connectors/spanmetrics/aggregator.ts';
import { spanmetricsConnectorFactory } from '../../src/connectors/spanmetrics/factory.ts';
import { withOrigin } from '../../src/consumer/origin.ts';
import type { Metric, MetricsBatch } from '../../src/model/metrics.ts';
import type { TracesBatch } from '../../src/model/traces.ts';
import { CardinalityTransform } from '../../src/processors/cardinality/cardinality.ts';
import { cardinalityProcessorFactory } from '../../src/processors/cardinality/factory.ts';
import { preferProcessorFactory } from '../../src/processors/prefer/factory.ts';
import { PreferTransform } from '../../src/processors/prefer/prefer.ts';
import { ratioProcessorFactory } from '../../src/processors/ratio/factory.ts';
import { RatioTransform } from '../../src/processors/ratio/ratio.ts';
import { CumulativeState } from '../../src/translate/cumulative-state.ts';
import { silentSettings } from '../helpers/silent-settings.ts';

/*
 * `forgetOrigins` of every stateful component (src/consumer/origin.ts): data consumed under origin
 * "p0" and "p1"; forgetting "p1" drops exactly what p1's data built, and p0's state stays as it was.
 */
const T = 1_700_000_000e9;

function counter(name: string, value: number, at = 1, attributes: Record<string, string> = {}): Metric {
  return { name, description: '', unit: '', type: 'sum', temporality: 'cumulative', monotonic: true, points: [{ attributes, startTimeUnixNano: T, timeUnixNano: T + at * 1e9, flags: 0, value }] };
}
const batch = (service: string, ...metrics: Metric[]): MetricsBatch => ({ resourceMetrics: [{ resource: { attributes: { 'service.name': service } }, schemaUrl: '', scopeMetrics: [{ scope: { name: '', version: '', attributes: {} }, schemaUrl: '', metrics }] }] });
const LOST = new Set(['p1']);

describe('forgetting the state of a lost origin', () => {
  it('cumulative state (prometheus, remote write): the lost origin\'s series go, the others keep their values; a series fed by both goes', () => {
    const state = new CumulativeState({ addMetricSuffixes: true, resourceToTelemetry: false, constLabels: {} });
    withOrigin('p0', () => state.apply(batch('a', counter('c', 5)), 0));
    withOrigin('p1', () => state.apply(batch('b', counter('c', 7)), 0));
    withOrigin('p0', () => state.apply(batch('both', counter('c', 1)), 0));
    withOrigin('p1', () => state.apply(batch('both', counter('c', 2, 2)), 0));
    state.apply(batch('none', counter('c', 9)), 0);
    const gone = state.forget(LOST);
    expect(gone.map((g) => g.series.labels.find(([k]) => k === 'job')?.[1]).sort()).toEqual(['b', 'both']);
    const left = [...state.families.get('c_total')!.series.values()].map((s) => [s.labels.find(([k]) => k === 'job')?.[1], s.value]);
    expect(left.sort()).toEqual([['a', 5], ['none', 9]]);
  });

  it('prometheus exporter: the lost origin\'s series leave the page', async () => {
    const settings = silentSettings('prometheus');
    const exporter = prometheusExporterFactory.create(settings, prometheusExporterFactory.configSchema.parse({ endpoint: '127.0.0.1:0' }));
    await withOrigin('p0', () => exporter.consumeMetrics!(batch('a', counter('c', 5))));
    await withOrigin('p1', () => exporter.consumeMetrics!(batch('b', counter('c', 7))));
    const page = () => exporter.scrape!({ accept: undefined, acceptEncoding: undefined }).body.split('\n').filter((l) => l.startsWith('c_total'));
    expect(page()).toHaveLength(2);
    exporter.forgetOrigins!(LOST);
    expect(page()).toEqual(['c_total{job="a"} 5']);
  });

  it('cardinality: the lost origin\'s label sets free their slots, its series gauge falls, and it starts over', () => {
    const config = cardinalityProcessorFactory.configSchema.parse({ max_series_per_metric: 2 });
    const t = new CardinalityTransform(config, silentSettings('cardinality'));
    const labels = (i: number) => ({ id: String(i) });
    const points = (service: string, n: number): MetricsBatch => batch(service, { name: 'c', description: '', unit: '', type: 'sum', temporality: 'cumulative', monotonic: true, points: Array.from({ length: n }, (_, i) => ({ attributes: labels(i), startTimeUnixNano: T, timeUnixNano: T + 1e9, flags: 0, value: 1 })) });
    withOrigin('p0', () => t.processMetrics(points('a', 2)));
    withOrigin('p1', () => t.processMetrics(points('b', 3))); // two kept, one folded into overflow
    expect(t.seriesByMetric()).toEqual([{ metric: 'c', series: 5 }]);
    t.forgetOrigins(LOST);
    expect(t.seriesByMetric()).toEqual([{ metric: 'c', series: 2 }]);
    expect(t.trackedSeries).toBe(2);
  });

  it('ratio: the lost origin\'s series go; its ratio comes back only from new points', () => {
    const config = ratioProcessorFactory.configSchema.parse({ window: '5m', ratios: [{ name: 'r', numerator: 'f', denominator: 'a', by: [] }] });
    const t = new RatioTransform(config, silentSettings('ratio'));
    withOrigin('p0', () => t.processMetrics(batch('a', counter('f', 1), counter('a', 10))));
    withOrigin('p1', () => t.processMetrics(batch('b', counter('f', 1), counter('a', 10))));
    expect(t.trackedSeries).toBe(4);
    t.forgetOrigins(LOST);
    expect(t.trackedSeries).toBe(2);
  });

  it('prefer: a lost service\'s fallback waits fallback_delay again when it comes back, as at a start', () => {
    const config = preferProcessorFactory.configSchema.parse({ primary: { match_type: 'strict', metric_names: ['p'] }, fallback: { match_type: 'strict', metric_names: ['f'] }, hold: '10m', fallback_delay: '90s' });
    let now = 0;
    const t = new PreferTransform(config, silentSettings('prefer'), () => now);
    const names = (b: MetricsBatch) => b.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.map((m) => m.name)));
    withOrigin('p0', () => t.processMetrics(batch('a', counter('x', 1))));
    withOrigin('p1', () => t.processMetrics(batch('b', counter('x', 1))));
    now = 100_000;
    expect(names(withOrigin('p1', () => t.processMetrics(batch('b', counter('f', 1)))))).toEqual(['f']);
    t.forgetOrigins(LOST);
    expect(names(withOrigin('p1', () => t.processMetrics(batch('b', counter('f', 1)))))).toEqual([]);
    expect(names(withOrigin('p0', () => t.processMetrics(batch('a', counter('f', 1)))))).toEqual(['f']);
  });

  it('spanmetrics: the lost origin\'s resources go, and each origin\'s metrics are flushed apart', () => {
    const agg = new SpanAggregator(spanmetricsConnectorFactory.configSchema.parse({}));
    const traces = (service: string): TracesBatch => ({ resourceSpans: [{ resource: { attributes: { 'service.name': service } }, schemaUrl: '', scopeSpans: [{ scope: { name: '', version: '', attributes: {} }, schemaUrl: '', spans: [{ traceId: '0'.repeat(32), spanId: '1'.repeat(16), parentSpanId: '', traceState: '', name: 'GET', kind: 2, startTimeUnixNano: 1e18, endTimeUnixNano: 1e18 + 1e6, attributes: {}, events: [], links: [], status: { code: 0, message: '' } }] }] }] });
    withOrigin('p0', () => agg.add(traces('a'), 0));
    withOrigin('p1', () => agg.add(traces('b'), 0));
    expect(agg.snapshotByOrigin(0).map((s) => [s.origin, s.batch.resourceMetrics.length])).toEqual([['p0', 1], ['p1', 1]]);
    agg.forget(LOST);
    expect(agg.snapshotByOrigin(0).map((s) => s.origin)).toEqual(['p0']);
  });
});
