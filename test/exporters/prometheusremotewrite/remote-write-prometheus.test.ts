import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { remoteWriteExporterFactory } from '../../../exporters/prometheusremotewrite/factory.ts';
import type { Attributes } from '../../../src/model/common.ts';
import { FLAG_NO_RECORDED_VALUE, type Metric, type MetricsBatch } from '../../../src/model/metrics.ts';
import { eventually, startPrometheus, type PrometheusServer } from '../../helpers/prometheus-server.ts';
import { silentSettings } from '../../helpers/silent-settings.ts';

let prometheus: PrometheusServer;
beforeAll(async () => {
  prometheus = await startPrometheus({ flags: ['--web.enable-remote-write-receiver'] });
});
afterAll(() => prometheus?.close());

function batch(metrics: Metric[]): MetricsBatch {
  return { resourceMetrics: [{ resource: { attributes: { 'service.name': 'rw-unit' } }, schemaUrl: '', scopeMetrics: [{ scope: { name: '', version: '', attributes: {} }, schemaUrl: '', metrics }] }] };
}

const counter = (name: string, attributes: Attributes, value: number, tMs: number): Metric => ({ name, description: '', unit: '', type: 'sum', temporality: 'cumulative', monotonic: true, points: [{ attributes, startTimeUnixNano: (tMs - 60_000) * 1e6, timeUnixNano: tMs * 1e6, flags: 0, value }] });

/** A fresh exporter (as after a restart: no state) sending to the real Prometheus; resolves with its settings once it has sent everything. */
async function send(...batches: MetricsBatch[]) {
  const settings = silentSettings('prometheusremotewrite');
  const config = remoteWriteExporterFactory.configSchema.parse({ endpoint: `${prometheus.url}/api/v1/write`, batch_send_deadline: '10ms', num_consumers: 1, retry_on_failure: { initial_interval: '100ms', max_elapsed_time: '2s' } });
  const exporter = remoteWriteExporterFactory.create(settings, config);
  await exporter.start();
  for (const b of batches) await exporter.consumeMetrics!(b);
  await exporter.shutdown();
  return settings;
}

async function valueOf(promql: string): Promise<number | undefined> {
  const r = await prometheus.query(promql);
  return r.length === 1 ? Number(r[0]!.value[1]) : undefined;
}

describe('prometheusremotewrite exporter against a real Prometheus', () => {
  it('writes series whose attributes are named le, quantile, __name__ and job without a "label name not unique" refusal', async () => {
    const t = Date.now();
    const histogram: Metric = { name: 'clash.latency', description: '', unit: 's', type: 'histogram', temporality: 'cumulative', points: [{ attributes: { le: 'attr', __name__: 'evil', job: 'attr-job' }, startTimeUnixNano: (t - 1000) * 1e6, timeUnixNano: t * 1e6, flags: 0, count: 3, sum: 1.5, bucketCounts: [1, 2, 0], explicitBounds: [0.1, 1] }] };
    const summary: Metric = { name: 'clash.gc', description: '', unit: 's', type: 'summary', points: [{ attributes: { quantile: 'attr' }, startTimeUnixNano: (t - 1000) * 1e6, timeUnixNano: t * 1e6, flags: 0, count: 2, sum: 0.4, quantileValues: [{ quantile: 0.5, value: 0.2 }] }] };
    const settings = await send(batch([histogram, summary]));
    expect(settings.errors).toEqual([]);
    expect(await eventually(() => valueOf('clash_latency_seconds_bucket{le="1",job="rw-unit",key__name__="evil"}'), 10_000, 'bucket written')).toBe(3);
    expect(await valueOf('clash_latency_seconds_count{job="rw-unit"}')).toBe(3);
    expect(await valueOf('clash_gc_seconds{quantile="0.5"}')).toBe(0.2);
    expect(await valueOf('histogram_quantile(0.5, clash_latency_seconds_bucket)')).toBeGreaterThan(0.1);
  });

  it('ends a series its sender flags as gone (a vanished scrape target): Prometheus stops returning it at once, not after its 5-minute lookback', async () => {
    const t = Date.now() - 10_000;
    const gone = counter('vanished.events', { s: 'a' }, NaN, t + 5_000);
    gone.points[0]!.flags = FLAG_NO_RECORDED_VALUE;
    await send(batch([counter('vanished.events', { s: 'a' }, 5, t), counter('vanished.events', { s: 'b' }, 6, t)]), batch([gone]));
    expect(await eventually(() => valueOf('vanished_events_total{s="b"}'), 10_000, 'b delivered')).toBe(6);
    // Written, then ended: its sample is stored, and an instant query no longer finds it.
    expect(await valueOf('count_over_time(vanished_events_total{s="a"}[1m])')).toBe(1);
    expect(await prometheus.query('vanished_events_total{s="a"}')).toEqual([]);
  });

  it('ends a series flagged as gone that an earlier exporter sent (a reload made a fresh one), histogram buckets and target_info included', async () => {
    const t = Date.now() - 10_000;
    const resource = { 'service.name': 'rw-reloaded', 'service.instance.id': 'host:1', 'server.address': 'host', 'server.port': '1' };
    const within = (metrics: Metric[]): MetricsBatch => ({ resourceMetrics: [{ resource: { attributes: resource }, schemaUrl: '', scopeMetrics: [{ scope: { name: '', version: '', attributes: {} }, schemaUrl: '', metrics }] }] });
    const histogram = (count: number, bucketCounts: number[], tMs: number, flags: number): Metric => ({ name: 'reloaded.latency', description: '', unit: 's', type: 'histogram', temporality: 'cumulative', points: [{ attributes: {}, startTimeUnixNano: (t - 60_000) * 1e6, timeUnixNano: tMs * 1e6, flags, count, sum: 1, bucketCounts, explicitBounds: [0.1, 1] }] });
    await send(within([counter('reloaded.events', {}, 5, t), histogram(3, [1, 2, 0], t, 0)]));
    expect(await eventually(() => valueOf('reloaded_events_total{job="rw-reloaded"}'), 10_000, 'counter delivered')).toBe(5);
    expect(await valueOf('target_info{job="rw-reloaded"}')).toBe(1);
    const gone = counter('reloaded.events', {}, NaN, t + 5_000);
    gone.points[0]!.flags = FLAG_NO_RECORDED_VALUE;
    // A second exporter, which never held these series, gets only their stale markers.
    await send(within([gone, histogram(0, [0, 0, 0], t + 5_000, FLAG_NO_RECORDED_VALUE)]));
    await eventually(async () => ((await prometheus.query('reloaded_events_total')).length === 0 ? true : undefined), 10_000, 'counter ended');
    for (const selector of ['reloaded_latency_seconds_bucket', 'reloaded_latency_seconds_sum', 'reloaded_latency_seconds_count', 'target_info{job="rw-reloaded"}']) {
      expect(await prometheus.query(selector), selector).toEqual([]);
    }
    expect(await valueOf('count_over_time(reloaded_latency_seconds_bucket{le="+Inf"}[1m])')).toBe(1);
  });

  it('delivers the never-sent samples of a resent request that also holds an already delivered, older one', async () => {
    const t = Date.now() - 10_000;
    // Delivered earlier: series `a` up to t.
    await send(batch([counter('resent.events', { s: 'a' }, 5, t)]));
    await eventually(() => valueOf('resent_events_total{s="a"}'), 10_000, 'first delivery');
    // Resent after a restart: `a` at an older time (Prometheus: out of order, 400 for the whole request)
    // with `b` and `c`, never delivered, in the same request.
    const settings = await send(batch([counter('resent.events', { s: 'a' }, 4, t - 5_000), counter('resent.events', { s: 'b' }, 7, t), counter('resent.events', { s: 'c' }, 9, t)]));
    expect(await eventually(() => valueOf('resent_events_total{s="b"}'), 10_000, 'b delivered')).toBe(7);
    expect(await valueOf('resent_events_total{s="c"}')).toBe(9);
    expect(await valueOf('resent_events_total{s="a"}')).toBe(5);
    const failed = await settings.selfMetrics.registry.getSingleMetricAsString('switchyard_exporter_failed_points_total');
    expect(failed).toContain('reason="out_of_order"} 1');
  });
});
