import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMetricsProto } from '../../../src/otlp/decode/index.ts';
import type { HistogramMetric, Metric, MetricsBatch } from '../../../src/model/metrics.ts';
import { startDemoApp } from '../../helpers/demo-app.ts';

/** Stands where the gateway would: keeps every OTLP/HTTP metrics request the demo sends, answers 200. */
let capture: Server;
const received: MetricsBatch[] = [];
beforeAll(async () => {
  capture = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/metrics') received.push(decodeMetricsProto(new Uint8Array(Buffer.concat(chunks))).batch);
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => capture.listen(0, '127.0.0.1', resolve));
});
afterAll(() => new Promise<void>((resolve) => capture.close(() => resolve())));

/**
 * What the demo sends for two prompt lookups, one probe and one task: the metrics of the export that /demo/flush
 * made, by name (the flush request itself is recorded after it, so only the shutdown export has it).
 */
async function sent(optIn: string): Promise<Map<string, Metric & { scope: string }>> {
  received.length = 0;
  const app = await startDemoApp(`127.0.0.1:${(capture.address() as AddressInfo).port}`, { OTEL_SERVICE_NAME: 'demo', OTEL_SEMCONV_STABILITY_OPT_IN: optIn });
  let flushed: MetricsBatch;
  try {
    expect(await app.request('GET', '/v1/prompts/1')).toBe(200);
    expect(await app.request('GET', '/v1/prompts/404')).toBe(404);
    expect(await app.request('POST', '/v1/probes/openai', { model: 'gpt-4o', seconds: 3.2 })).toBe(201);
    expect(await app.request('POST', '/v1/tasks/prompter', { seconds: 45 })).toBe(202);
    await app.flush();
    expect(received).toHaveLength(1);
    flushed = received[0]!;
  } finally {
    await app.stop();
  }
  return new Map(flushed.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.map((m) => [m.name, { ...m, scope: `${sm.scope.name}@${sm.scope.version}` }] as const))));
}

/** `method route status → count` of an HTTP duration histogram, by the attribute names of its convention. */
function requestCounts(m: Metric | undefined, method: string, status: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of (m as HistogramMetric).points) out[`${p.attributes[method]} ${p.attributes['http.route']} ${p.attributes[status]}`] = p.count;
  return out;
}

const REQUESTS = { 'GET /v1/prompts/:promptId 200': 1, 'GET /v1/prompts/:promptId 404': 1, 'POST /v1/probes/:provider 201': 1, 'POST /v1/tasks/:queue 202': 1 };

/** The (lower, upper] bucket of a one-value histogram that holds its value. */
function bucketOfOne(m: Metric | undefined): [number, number] {
  const p = (m as HistogramMetric).points[0]!;
  const i = p.bucketCounts.indexOf(1);
  return [p.explicitBounds[i - 1] ?? -Infinity, p.explicitBounds[i] ?? Infinity];
}

describe('the Prompter demo app (what it really sends)', () => {
  it('without OTEL_SEMCONV_STABILITY_OPT_IN, sends the old http.server.duration in ms with the old attribute names, and not the stable metric', async () => {
    const metrics = await sent('');
    expect(metrics.has('http.server.request.duration')).toBe(false);
    const old = metrics.get('http.server.duration') as HistogramMetric;
    expect(old).toMatchObject({ type: 'histogram', unit: 'ms' });
    expect(old.points[0]!.explicitBounds).toEqual([0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000]);
    expect(Object.keys(old.points[0]!.attributes).sort()).toEqual(['http.flavor', 'http.method', 'http.route', 'http.scheme', 'http.status_code', 'net.host.port']);
    expect(requestCounts(old, 'http.method', 'http.status_code')).toEqual(REQUESTS);
  }, 30_000);

  it('with http/dup, sends both conventions for the same requests', async () => {
    const metrics = await sent('http/dup');
    expect(metrics.get('http.server.request.duration')).toMatchObject({ type: 'histogram', unit: 's' });
    expect(requestCounts(metrics.get('http.server.request.duration'), 'http.request.method', 'http.response.status_code')).toEqual(REQUESTS);
    expect(requestCounts(metrics.get('http.server.duration'), 'http.method', 'http.status_code')).toEqual(REQUESTS);
    // In one scope, as from one instrumentation emitting both.
    expect(metrics.get('http.server.duration')!.scope).toMatch(/^@opentelemetry\/instrumentation-http@\d/);
    expect(metrics.get('http.server.duration')!.scope).toBe(metrics.get('http.server.request.duration')!.scope);
  }, 30_000);

  it('with http, sends the stable metric only; its ensure-version and Celery buckets resolve the seed thresholds', async () => {
    const metrics = await sent('http');
    expect(metrics.has('http.server.duration')).toBe(false);
    expect(requestCounts(metrics.get('http.server.request.duration'), 'http.request.method', 'http.response.status_code')).toEqual(REQUESTS);
    // "Ensure-version p95 > 3s": a 3.2 s call lands in (3, 4] (the SDK's default buckets: (0, 5]).
    expect(bucketOfOne(metrics.get('prompter.ensure_version.duration'))).toEqual([3, 4]);
    // "Celery p95 runtime": a 45 s task lands in (30, 60] (default: (25, 50]).
    expect(bucketOfOne(metrics.get('celery.task.runtime'))).toEqual([30, 60]);
  }, 30_000);
});
