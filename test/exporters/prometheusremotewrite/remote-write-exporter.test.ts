import { createServer, type IncomingMessage, type Server } from 'node:http';
import { uncompressSync } from 'snappy';
import { afterEach, describe, expect, it } from 'vitest';
import { remoteWriteExporterFactory } from '../../../exporters/prometheusremotewrite/factory.ts';
import { encodeWriteRequest } from '../../../exporters/prometheusremotewrite/write-request.ts';
import type { MetricsBatch } from '../../../src/model/metrics.ts';
import { silentSettings } from '../../helpers/silent-settings.ts';

interface Seen {
  at: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

let server: Server | undefined;
afterEach(() => server?.close());

/** A remote-write receiver that answers each request with the next status of `statuses`. */
async function receiver(statuses: number[]): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ at: Date.now(), headers: req.headers, body: uncompressSync(Buffer.concat(chunks), { asBuffer: true }) as Buffer });
      const status = statuses[Math.min(seen.length - 1, statuses.length - 1)]!;
      res.writeHead(status).end(status === 204 ? '' : `status ${status}: out of order sample`);
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server!.address() as { port: number }).port}/api/v1/write`, seen };
}

const batch: MetricsBatch = {
  resourceMetrics: [
    {
      resource: { attributes: { 'service.name': 'api' } },
      schemaUrl: '',
      scopeMetrics: [{ scope: { name: '', version: '', attributes: {} }, schemaUrl: '', metrics: [{ name: 'hits', description: '', unit: '', type: 'sum', temporality: 'cumulative', monotonic: true, points: [{ attributes: { a: 'b' }, startTimeUnixNano: 1e18, timeUnixNano: 1.7e18, flags: 0, value: 3 }] }] }],
    },
  ],
};

function exporterFor(url: string, extra: Record<string, unknown> = {}) {
  const settings = silentSettings('prometheusremotewrite');
  const config = remoteWriteExporterFactory.configSchema.parse({
    endpoint: url,
    batch_send_deadline: '10ms',
    headers: { 'X-Scope-OrgID': 'tenant-1' },
    bearer_token: 'secret',
    retry_on_failure: { initial_interval: '100ms', max_interval: '1s', randomization_factor: 0, max_elapsed_time: '10s' },
    ...extra,
  });
  return { exporter: remoteWriteExporterFactory.create(settings, config), settings };
}

describe('prometheusremotewrite exporter', () => {
  it('sends snappy protobuf with the remote-write 1.0 headers, auth and extra headers', async () => {
    const r = await receiver([204]);
    const { exporter } = exporterFor(r.url);
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

  it('retries a 503 with growing intervals until it succeeds', async () => {
    const r = await receiver([503, 503, 503, 204]);
    const { exporter, settings } = exporterFor(r.url);
    await exporter.start();
    await exporter.consumeMetrics!(batch);
    await exporter.shutdown();
    expect(r.seen).toHaveLength(4);
    const gaps = r.seen.slice(1).map((s, i) => s.at - r.seen[i]!.at);
    expect(gaps[0]).toBeGreaterThanOrEqual(90);
    expect(gaps[1]).toBeGreaterThan(gaps[0]! * 1.2);
    expect(gaps[2]).toBeGreaterThan(gaps[1]! * 1.2);
    const sent = await settings.selfMetrics.registry.getSingleMetricAsString('switchyard_exporter_sent_points_total');
    expect(sent).toContain('switchyard_exporter_sent_points_total{component="prometheusremotewrite",signal="metrics"} 1');
  });

  it('does not retry a 400, and counts the dropped samples by reason', async () => {
    const r = await receiver([400]);
    const { exporter, settings } = exporterFor(r.url);
    await exporter.start();
    await exporter.consumeMetrics!(batch);
    await new Promise((res) => setTimeout(res, 400));
    await exporter.shutdown();
    expect(r.seen).toHaveLength(1);
    const failed = await settings.selfMetrics.registry.getSingleMetricAsString('switchyard_exporter_failed_points_total');
    expect(failed).toContain('reason="http_400"} 1');
    expect(settings.errors.at(-1)).toContain('remote write answered 400: status 400: out of order sample');
  });

  it('drops the oldest samples when full under drop_oldest, and counts them', async () => {
    const r = await receiver([503, 204]);
    const { exporter, settings } = exporterFor(r.url, { sending_queue: { queue_size: 1, full_policy: 'drop_oldest' }, retry_on_failure: { initial_interval: '300ms', max_elapsed_time: '0s', randomization_factor: 0 } });
    await exporter.start();
    const later = structuredClone(batch);
    const point = later.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.points[0] as { value: number; timeUnixNano: number };
    await exporter.consumeMetrics!(batch);
    await new Promise((res) => setTimeout(res, 100)); // taken by the sender, which now waits to retry
    point.value = 5;
    point.timeUnixNano = 1.8e18;
    await exporter.consumeMetrics!(later); // queued
    point.value = 9;
    point.timeUnixNano = 1.9e18;
    await exporter.consumeMetrics!(later); // pushes the queued one out
    await exporter.shutdown();
    const failed = await settings.selfMetrics.registry.getSingleMetricAsString('switchyard_exporter_failed_points_total');
    expect(failed).toContain('reason="queue_full"} 1');
    expect(r.seen.length).toBeGreaterThanOrEqual(2);
  });

  it('refuses new data with a retryable error when the queue is full under block', async () => {
    const r = await receiver([503]);
    const { exporter } = exporterFor(r.url, { sending_queue: { queue_size: 1 }, retry_on_failure: { initial_interval: '1s', max_elapsed_time: '0s' } });
    await exporter.start();
    await exporter.consumeMetrics!(batch);
    await expect(exporter.consumeMetrics!(batch)).rejects.toMatchObject({ retryable: true });
    await exporter.shutdown();
  }, 15_000);
});
