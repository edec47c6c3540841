import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { remoteWriteExporterFactory } from '../../../exporters/prometheusremotewrite/factory.ts';
import { encodeWriteRequest } from '../../../exporters/prometheusremotewrite/write-request.ts';
import { FLAG_NO_RECORDED_VALUE, type Metric, type MetricsBatch } from '../../../src/model/metrics.ts';
import { eventually } from '../../helpers/prometheus-server.ts';
import { remoteWriteReceiver, type Answer, type ReceivedRequest, type RemoteWriteReceiver } from '../../helpers/remote-write-receiver.ts';
import { silentSettings } from '../../helpers/silent-settings.ts';
import { tempFiles } from '../../helpers/temp-files.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function receiver(answer?: (req: ReceivedRequest, index: number) => Answer, tls?: { key: string; cert: string }): Promise<RemoteWriteReceiver> {
  const r = await remoteWriteReceiver(answer, tls);
  cleanups.push(r.close);
  return r;
}

/** Answers with the statuses in turn (the last one for ever after). */
const statuses =
  (...codes: number[]) =>
  (_req: ReceivedRequest, i: number): Answer => ({ status: codes[Math.min(i, codes.length - 1)]! });

/** Counters `hits{a=…}`, one point each, at `t` ms. */
function hits(points: { a: string; value: number; t: number }[]): MetricsBatch {
  const metrics: Metric[] = points.map((p) => ({ name: 'hits', description: '', unit: '', type: 'sum', temporality: 'cumulative', monotonic: true, points: [{ attributes: { a: p.a }, startTimeUnixNano: 1e18, timeUnixNano: p.t * 1e6, flags: 0, value: p.value }] }));
  return { resourceMetrics: [{ resource: { attributes: { 'service.name': 'api' } }, schemaUrl: '', scopeMetrics: [{ scope: { name: '', version: '', attributes: {} }, schemaUrl: '', metrics }] }] };
}

const batch = hits([{ a: 'b', value: 3, t: 1.7e12 }]);

function exporterFor(url: string, extra: Record<string, unknown> = {}) {
  const settings = silentSettings('prometheusremotewrite');
  const config = remoteWriteExporterFactory.configSchema.parse({
    endpoint: url,
    batch_send_deadline: '10ms',
    retry_on_failure: { initial_interval: '100ms', max_interval: '1s', randomization_factor: 0, max_elapsed_time: '10s' },
    ...extra,
  });
  const exporter = remoteWriteExporterFactory.create(settings, config);
  cleanups.push(() => exporter.shutdown());
  return { exporter, settings };
}

async function metric(settings: ReturnType<typeof silentSettings>, name: string): Promise<string> {
  return settings.selfMetrics.registry.getSingleMetricAsString(name);
}

/** Every sample the receiver took, as `a=value@t` strings. */
const received = (r: RemoteWriteReceiver, accepted = (_i: number) => true) =>
  r.seen.filter((_req, i) => accepted(i)).flatMap((req) => req.series.flatMap((s) => s.samples.map((x) => `${s.labels.a}=${x.value}@${x.timestampMs}`)));

describe('prometheusremotewrite exporter', () => {
  it('sends snappy protobuf with the remote-write 1.0 headers, bearer token and extra headers', async () => {
    const r = await receiver();
    const { exporter } = exporterFor(r.url, { headers: { 'X-Scope-OrgID': 'tenant-1' }, bearer_token: 'secret' });
    await exporter.start();
    await exporter.consumeMetrics!(batch);
    await exporter.shutdown();
    expect(r.seen).toHaveLength(1);
    const h = r.seen[0]!.headers;
    expect(h['content-encoding']).toBe('snappy');
    expect(h['content-type']).toBe('application/x-protobuf');
    expect(h['x-prometheus-remote-write-version']).toBe('0.1.0');
    expect(h['user-agent']).toMatch(/^Switchyard\/\d+\.\d+\.\d+$/);
    expect(h.authorization).toBe('Bearer secret');
    expect(h['x-scope-orgid']).toBe('tenant-1');
    const expected = encodeWriteRequest([{ labels: [['__name__', 'hits_total'], ['a', 'b'], ['job', 'api']], value: 3, timestampMs: 1.7e12 }]);
    expect(r.seen[0]!.body.equals(expected)).toBe(true);
  });

  it('sends basic auth', async () => {
    const r = await receiver();
    const { exporter } = exporterFor(r.url, { basic_auth: { username: 'writer', password: 'p:ss' } });
    await exporter.start();
    await exporter.consumeMetrics!(batch);
    await exporter.shutdown();
    expect(r.seen[0]!.headers.authorization).toBe(`Basic ${Buffer.from('writer:p:ss').toString('base64')}`);
  });

  it('trusts a server whose self-signed certificate is the tls.ca_file, and no other', async () => {
    const t = tempFiles({});
    cleanups.push(t.cleanup);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', t.path('key.pem'), '-out', t.path('cert.pem')], { stdio: 'ignore' });
    const r = await receiver(undefined, { key: readFileSync(t.path('key.pem'), 'utf8'), cert: readFileSync(t.path('cert.pem'), 'utf8') });

    const trusted = exporterFor(r.url, { tls: { ca_file: t.path('cert.pem') } });
    await trusted.exporter.start();
    await trusted.exporter.consumeMetrics!(batch);
    await trusted.exporter.shutdown();
    expect(r.seen).toHaveLength(1);

    const untrusted = exporterFor(r.url, { retry_on_failure: { enabled: false } });
    await untrusted.exporter.start();
    await untrusted.exporter.consumeMetrics!(batch);
    await untrusted.exporter.shutdown();
    expect(r.seen).toHaveLength(1);
    expect(await metric(untrusted.settings, 'switchyard_exporter_failed_points_total')).toContain('reason="connection"} 1');
    expect(untrusted.settings.errors.at(-1)).toMatch(/certificate/);
  });

  it('gives up an attempt after `timeout` and retries it', async () => {
    const r = await receiver((_req, i) => (i === 0 ? { status: 204, hang: true } : { status: 204 }));
    const { exporter, settings } = exporterFor(r.url, { timeout: '300ms', retry_on_failure: { initial_interval: '10ms', randomization_factor: 0 } });
    await exporter.start();
    await exporter.consumeMetrics!(batch);
    await exporter.shutdown();
    expect(r.seen).toHaveLength(2);
    expect(r.seen[1]!.at - r.seen[0]!.at).toBeGreaterThanOrEqual(290);
    expect(settings.errors[0]).toBe('no answer within 300 ms');
    expect(await metric(settings, 'switchyard_exporter_sent_points_total')).toContain('} 1');
  });

  it('retries a 503 with growing intervals until it succeeds', async () => {
    const r = await receiver(statuses(503, 503, 503, 204));
    const { exporter, settings } = exporterFor(r.url);
    await exporter.start();
    await exporter.consumeMetrics!(batch);
    await exporter.shutdown();
    expect(r.seen).toHaveLength(4);
    const gaps = r.seen.slice(1).map((s, i) => s.at - r.seen[i]!.at);
    // 100 ms growing by the default multiplier 1.5, no jitter: each gap is at least its interval (timers
    // fire late on a busy machine, never early), and the third is longer than the first could be.
    expect(gaps[0]).toBeGreaterThanOrEqual(95);
    expect(gaps[1]).toBeGreaterThanOrEqual(145);
    expect(gaps[2]).toBeGreaterThanOrEqual(220);
    expect(await metric(settings, 'switchyard_exporter_sent_points_total')).toContain('switchyard_exporter_sent_points_total{component="prometheusremotewrite",signal="metrics"} 1');
  });

  it('waits at least as long as Retry-After says, however short its own interval', async () => {
    const r = await receiver((_req, i) => (i === 0 ? { status: 429, headers: { 'Retry-After': '1' } } : { status: 204 }));
    const { exporter } = exporterFor(r.url, { retry_on_failure: { initial_interval: '10ms', randomization_factor: 0 } });
    await exporter.start();
    await exporter.consumeMetrics!(batch);
    await exporter.shutdown();
    expect(r.seen).toHaveLength(2);
    expect(r.seen[1]!.at - r.seen[0]!.at).toBeGreaterThanOrEqual(990);
  });

  it('does not retry a 400 that is not about a sample, and counts the dropped samples by reason', async () => {
    const r = await receiver(() => ({ status: 400, body: 'invalid label set' }));
    const { exporter, settings } = exporterFor(r.url);
    await exporter.start();
    await exporter.consumeMetrics!(batch);
    await eventually(async () => (r.seen.length === 1 && settings.errors.length > 0 ? true : undefined), 5_000, 'one request answered');
    await exporter.consumeMetrics!(hits([{ a: 'b', value: 4, t: 1.8e12 }]));
    await exporter.shutdown();
    expect(r.seen).toHaveLength(2);
    expect(await metric(settings, 'switchyard_exporter_failed_points_total')).toContain('reason="http_400"} 2');
    expect(settings.errors.at(-1)).toBe('remote write answered 400: invalid label set');
  });

  it('splits a request refused for an out-of-order sample, so only that sample is dropped', async () => {
    // Like Prometheus: one bad sample refuses (and rolls back) the whole request.
    const r = await receiver((req) => (req.series.some((s) => s.labels.a === 'late') ? { status: 400, body: 'out of order sample' } : { status: 204 }));
    const { exporter, settings } = exporterFor(r.url, { num_consumers: 1 });
    await exporter.start();
    const series = ['s1', 's2', 's3', 'late', 's4', 's5', 's6'];
    await exporter.consumeMetrics!(hits(series.map((a, i) => ({ a, value: i, t: 1.7e12 }))));
    await exporter.shutdown();
    const delivered = received(r, (i) => r.seen[i]!.series.every((s) => s.labels.a !== 'late'));
    expect(delivered.sort()).toEqual(series.filter((a) => a !== 'late').map((a) => `${a}=${series.indexOf(a)}@${1.7e12}`).sort());
    expect(await metric(settings, 'switchyard_exporter_failed_points_total')).toContain('reason="out_of_order"} 1');
    expect(await metric(settings, 'switchyard_exporter_sent_points_total')).toContain('} 6');
  });

  it('ends an expired series with the stale marker, the exact NaN 0x7ff0000000000002', async () => {
    const r = await receiver();
    const { exporter } = exporterFor(r.url, { metric_expiration: '1s' });
    await exporter.start();
    await exporter.consumeMetrics!(batch);
    const stale = await eventually(async () => r.seen.find((req) => Number.isNaN(req.series[0]?.samples[0]?.value)), 5_000, 'stale marker sent');
    expect(stale.series[0]!.labels).toEqual({ __name__: 'hits_total', a: 'b', job: 'api' });
    // The double as protobuf writes it (field 1, wire type 1, then 8 bytes little-endian).
    expect(stale.body.includes(Buffer.from('09020000000000f07f', 'hex'))).toBe(true);
  });

  it('ends a series its sender flags "no recorded value" (a vanished scrape target) with the stale marker at once, at the flag’s time', async () => {
    const r = await receiver();
    const { exporter } = exporterFor(r.url);
    await exporter.start();
    await exporter.consumeMetrics!(hits([{ a: 'b', value: 3, t: 1.7e12 }, { a: 'c', value: 4, t: 1.7e12 }]));
    const gone = hits([{ a: 'b', value: NaN, t: 1.7e12 + 15_000 }]);
    gone.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.points[0]!.flags = FLAG_NO_RECORDED_VALUE;
    await exporter.consumeMetrics!(gone);
    await eventually(async () => (received(r).length === 3 ? true : undefined), 5_000, 'the stale marker');
    expect(received(r).sort()).toEqual(['b=3@1700000000000', 'b=NaN@1700000015000', 'c=4@1700000000000']);
    expect(r.seen.some((req) => req.body.includes(Buffer.from('09020000000000f07f', 'hex')))).toBe(true);
    // A flag for a series it does not hold (gone already, or sent by the exporter a reload replaced) still
    // sends the marker: the same bits at the same time again, which Prometheus takes as a duplicate, not an error.
    await exporter.consumeMetrics!(gone);
    await eventually(async () => (received(r).length === 4 ? true : undefined), 5_000, 'the marker again');
    expect(received(r).filter((s) => s === 'b=NaN@1700000015000')).toHaveLength(2);
  });

  it('sends at most max_samples_per_send samples per request', async () => {
    const r = await receiver();
    const { exporter, settings } = exporterFor(r.url, { max_samples_per_send: 3, num_consumers: 1 });
    await exporter.start();
    await exporter.consumeMetrics!(hits(Array.from({ length: 10 }, (_, i) => ({ a: `s${i}`, value: i, t: 1.7e12 }))));
    await exporter.shutdown();
    expect(r.seen.map((req) => req.size)).toEqual([3, 3, 3, 1]);
    expect(await metric(settings, 'switchyard_exporter_sent_points_total')).toContain('} 10');
  });

  it('keeps every series in time order across num_consumers parallel senders', async () => {
    // Against a fast receiver, and one refusing every third request (retried), so senders overtake each other.
    let n = 0;
    const r = await receiver(() => ({ status: 204 }));
    const slow = await receiver(() => ({ status: n++ % 3 === 0 ? 503 : 204 }));
    for (const target of [r, slow]) {
      const { exporter } = exporterFor(target.url, { num_consumers: 4, max_samples_per_send: 5, retry_on_failure: { initial_interval: '5ms', randomization_factor: 0.9 } });
      await exporter.start();
      for (let round = 1; round <= 6; round++) await exporter.consumeMetrics!(hits(Array.from({ length: 20 }, (_, i) => ({ a: `s${i}`, value: round, t: 1.7e12 + round * 1000 }))));
      await exporter.shutdown();
      const accepted = target.seen.filter((_req, i) => target !== slow || i % 3 !== 0);
      const bySeries = new Map<string, number[]>();
      for (const req of accepted) for (const s of req.series) for (const x of s.samples) bySeries.set(s.labels.a!, [...(bySeries.get(s.labels.a!) ?? []), x.timestampMs]);
      expect(bySeries.size).toBe(20);
      for (const times of bySeries.values()) expect(times).toEqual([1, 2, 3, 4, 5, 6].map((round) => 1.7e12 + round * 1000));
    }
  });

  it('drops the oldest samples when full under drop_oldest, and counts them', async () => {
    const r = await receiver(statuses(503, 204));
    const { exporter, settings } = exporterFor(r.url, { sending_queue: { queue_size: 1, full_policy: 'drop_oldest' }, retry_on_failure: { initial_interval: '300ms', max_elapsed_time: '0s', randomization_factor: 0 } });
    await exporter.start();
    await exporter.consumeMetrics!(batch);
    await eventually(async () => (r.seen.length === 1 ? true : undefined), 5_000, 'first request'); // the sender now waits to retry
    await exporter.consumeMetrics!(hits([{ a: 'b', value: 5, t: 1.8e12 }])); // queued
    await exporter.consumeMetrics!(hits([{ a: 'b', value: 9, t: 1.9e12 }])); // pushes the queued one out
    await exporter.shutdown();
    expect(await metric(settings, 'switchyard_exporter_failed_points_total')).toContain('reason="queue_full"} 1');
    expect(received(r, (i) => i > 0)).toEqual(['b=3@1700000000000', 'b=9@1900000000000']);
  });

  it('refuses new data with a retryable error when full under block, counting queue_size in samples (a histogram point is its buckets, sum and count)', async () => {
    const r = await receiver(statuses(503));
    const { exporter, settings } = exporterFor(r.url, { sending_queue: { queue_size: 5 }, retry_on_failure: { initial_interval: '1s', max_elapsed_time: '0s' } });
    await exporter.start();
    const histogram = (bounds: number[]): MetricsBatch => ({
      resourceMetrics: [{ resource: { attributes: { 'service.name': 'api' } }, schemaUrl: '', scopeMetrics: [{ scope: { name: '', version: '', attributes: {} }, schemaUrl: '', metrics: [{ name: 'lat', description: '', unit: 's', type: 'histogram', temporality: 'cumulative', points: [{ attributes: {}, startTimeUnixNano: 1, timeUnixNano: 1.7e18, flags: 0, count: 1, sum: 1, bucketCounts: [...bounds.map(() => 0), 1], explicitBounds: bounds }] }] }] }],
    });
    // 3 bounds: 4 buckets (+Inf included), _sum and _count = 6 samples from one data point.
    await expect(exporter.consumeMetrics!(histogram([0.1, 1, 10]))).rejects.toMatchObject({ retryable: true });
    await exporter.consumeMetrics!(histogram([0.1, 1])); // 5 samples: fits exactly
    expect(JSON.parse(JSON.stringify(settings.details))).toMatchObject({ queue_items: 5 });
  });
});
