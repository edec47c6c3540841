import { request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { credentials, Metadata, makeGenericClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { logs as sdkLogs } from '@opentelemetry/sdk-node';
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { AdminServer } from '../../../src/admin/server.ts';
import { ConsumerError } from '../../../src/consumer/errors.ts';
import type { LogsBatch } from '../../../src/model/logs.ts';
import type { MetricsBatch } from '../../../src/model/metrics.ts';
import type { TracesBatch } from '../../../src/model/traces.ts';
import { otlpReceiverFactory } from '../../../receivers/otlp/factory.ts';
import { find, parseExposition, type Sample } from '../../helpers/prom-text.ts';
import { sdkMetricsBodies } from '../../helpers/sdk-bodies.ts';
import { len, logsRequest, metricsRequest, str, tag, uint } from '../../otlp/decode/proto-writer.ts';
import { silentSettings } from '../../helpers/silent-settings.ts';
import { endlessChunkedPost } from '../../helpers/endless-chunked.ts';

const metrics: MetricsBatch[] = [];
const traces: TracesBatch[] = [];
const logs: LogsBatch[] = [];
let refuseWith: ConsumerError | undefined;
const settings = silentSettings('otlp');
const receiver = otlpReceiverFactory.create(
  settings,
  otlpReceiverFactory.configSchema.parse({ protocols: { http: { endpoint: '127.0.0.1:0', max_request_body_size: 1_000_000 }, grpc: { endpoint: '127.0.0.1:0' } } }),
  {
    metrics: {
      consumeMetrics: async (b) => {
        if (refuseWith) throw refuseWith;
        metrics.push(b);
      },
    },
    traces: { consumeTraces: async (b) => void traces.push(b) },
    logs: { consumeLogs: async (b) => void logs.push(b) },
  },
);
let http = '';
let grpc = '';

beforeAll(async () => {
  await receiver.start();
  http = `http://${settings.details['endpoint.http'] as string}`;
  grpc = settings.details['endpoint.grpc'] as string;
});
afterAll(() => receiver.shutdown());
beforeEach(() => {
  metrics.length = 0;
  traces.length = 0;
  logs.length = 0;
  refuseWith = undefined;
});

const names = (batches: MetricsBatch[]) => batches.flatMap((b) => b.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.map((m) => m.name))));

async function sendMetrics(exporter: PushMetricExporter): Promise<void> {
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'svc' }), readers: [reader] });
  provider.getMeter('m').createCounter('sdk.requests').add(4, { route: '/x' });
  await reader.forceFlush();
  await provider.shutdown();
}

async function sendSpans(exporter: SpanExporter): Promise<void> {
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  provider.getTracer('t').startSpan('GET /x').end();
  await provider.forceFlush();
  await provider.shutdown();
}

/** A raw gRPC client of one OTLP service's Export method: the test chooses every byte of the request. */
function exportClient(service: string, path: string) {
  const id = (b: Buffer) => b;
  return makeGenericClientConstructor({ Export: { path, requestStream: false, responseStream: false, requestSerialize: id, requestDeserialize: id, responseSerialize: id, responseDeserialize: id } }, service);
}
const metricsClient = exportClient('MetricsService', '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export');
const logsClient = exportClient('LogsService', '/opentelemetry.proto.collector.logs.v1.LogsService/Export');

/** The gRPC log exporter is installed with the SDK (0.223); it and its SDK are resolved as Node resolves them for sdk-node. */
const fromSdkNode = createRequire(createRequire(import.meta.url).resolve('@opentelemetry/sdk-node'));
const { OTLPLogExporter: GrpcLogExporter } = fromSdkNode('@opentelemetry/exporter-logs-otlp-grpc') as { OTLPLogExporter: new (config: { url: string }) => sdkLogs.LogRecordExporter };

/** Sends `chunks` with Transfer-Encoding: chunked (no Content-Length), as the SDK's HTTP exporters do. */
function postChunked(path: string, chunks: Uint8Array[], headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${http}${path}`, { method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('latin1');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, text }));
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

function callGrpc(Client: ReturnType<typeof exportClient>, body: Uint8Array): Promise<{ error: ServiceError | null; response?: Buffer; metadata?: Metadata }> {
  const client = new Client(grpc, credentials.createInsecure());
  return new Promise((resolve) =>
    (client as unknown as { Export(b: Buffer, cb: (e: ServiceError | null, r?: Buffer) => void): void }).Export(Buffer.from(body), (error, response) => {
      client.close();
      resolve({ error, response, metadata: error?.metadata });
    }),
  );
}

async function post(path: string, body: Uint8Array | string, headers: Record<string, string>) {
  const res = await fetch(`${http}${path}`, { method: 'POST', body: body as BodyInit, headers });
  return { status: res.status, type: res.headers.get('content-type'), retryAfter: res.headers.get('retry-after'), text: Buffer.from(await res.arrayBuffer()) };
}

describe('OTLP receiver', () => {
  describe('with the real OpenTelemetry SDK exporters', () => {
    const cases: [string, (gzip: boolean) => PushMetricExporter, (gzip: boolean) => SpanExporter][] = [
      ['http/json', (g) => new JsonMetricExporter({ url: `${http}/v1/metrics`, compression: g ? ('gzip' as never) : ('none' as never) }), (g) => new JsonTraceExporter({ url: `${http}/v1/traces`, compression: g ? ('gzip' as never) : ('none' as never) })],
      ['http/protobuf', (g) => new ProtoMetricExporter({ url: `${http}/v1/metrics`, compression: g ? ('gzip' as never) : ('none' as never) }), (g) => new ProtoTraceExporter({ url: `${http}/v1/traces`, compression: g ? ('gzip' as never) : ('none' as never) })],
      ['grpc', (g) => new GrpcMetricExporter({ url: `http://${grpc}`, compression: g ? ('gzip' as never) : ('none' as never) }), (g) => new GrpcTraceExporter({ url: `http://${grpc}`, compression: g ? ('gzip' as never) : ('none' as never) })],
    ];
    for (const [protocol, metricExporter, traceExporter] of cases) {
      for (const gzip of [false, true]) {
        it(`receives metrics and spans over ${protocol}${gzip ? ' with gzip' : ''}`, async () => {
          await sendMetrics(metricExporter(gzip));
          await sendSpans(traceExporter(gzip));
          expect(new Set(names(metrics))).toEqual(new Set(['sdk.requests'])); // forceFlush and shutdown both export
          const point = metrics[0]!.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.points[0]!;
          expect(point).toMatchObject({ value: 4, attributes: { route: '/x' } });
          expect(traces[0]!.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.name).toBe('GET /x');
        });
      }
    }
  });

  it('receives log records over grpc from the real SDK log exporter, and answers with an empty ExportLogsServiceResponse', async () => {
    const provider = new sdkLogs.LoggerProvider({ resource: resourceFromAttributes({ 'service.name': 'worker' }), processors: [new sdkLogs.SimpleLogRecordProcessor({ exporter: new GrpcLogExporter({ url: `http://${grpc}` }) })] });
    provider.getLogger('celery', '5.4.0').emit({ severityNumber: 13, severityText: 'WARN', body: 'task retried', attributes: { queue: 'default' } });
    await provider.forceFlush();
    await provider.shutdown();
    const record = logs[0]!.resourceLogs[0]!.scopeLogs[0]!;
    expect(logs[0]!.resourceLogs[0]!.resource.attributes['service.name']).toBe('worker');
    expect(record.scope).toMatchObject({ name: 'celery', version: '5.4.0' });
    expect(record.logRecords[0]).toMatchObject({ severityNumber: 13, severityText: 'WARN', body: 'task retried', attributes: { queue: 'default' } });

    const { response, error } = await callGrpc(logsClient, logsRequest([...str(3, 'INFO')]));
    expect(error).toBeNull();
    expect(response!.length).toBe(0); // no partial_success: nothing was rejected
  });

  describe('bad input over HTTP', () => {
    let good: Uint8Array;
    beforeAll(async () => {
      good = (await sdkMetricsBodies()).proto;
    });
    const PROTO = { 'content-type': 'application/x-protobuf' };

    async function expectGoodRequestStillLands() {
      const res = await post('/v1/metrics', good, PROTO);
      expect(res.status).toBe(200);
      expect(names(metrics)).toContain('requests');
    }

    it('answers 400 with a message for a truncated protobuf body, then takes the next request', async () => {
      const res = await post('/v1/metrics', good.subarray(0, good.length - 7), PROTO);
      expect(res.status).toBe(400);
      expect(res.type).toBe('application/x-protobuf');
      expect(res.text.toString('latin1')).toContain('truncated protobuf');
      await expectGoodRequestStillLands();
    });

    it('answers 400 for random bytes', async () => {
      const res = await post('/v1/metrics', Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), PROTO);
      expect(res.status).toBe(400);
      await expectGoodRequestStillLands();
    });

    it('answers 400 naming the path for JSON with wrong field types, and for invalid JSON', async () => {
      const wrong = await post('/v1/metrics', '{"resourceMetrics":[{"scopeMetrics":"x"}]}', { 'content-type': 'application/json' });
      expect(wrong.status).toBe(400);
      expect(JSON.parse(wrong.text.toString())).toEqual({ code: 3, message: '$.resourceMetrics[0].scopeMetrics: expected an array' });
      const invalid = await post('/v1/metrics', '{"resourceMetrics":', { 'content-type': 'application/json' });
      expect(invalid.status).toBe(400);
      expect(JSON.parse(invalid.text.toString()).message).toMatch(/^invalid JSON/);
      await expectGoodRequestStillLands();
    });

    it('answers 413 for a gzip body that inflates past max_request_body_size', async () => {
      const bomb = gzipSync(Buffer.alloc(5_000_000));
      expect(bomb.length).toBeLessThan(1_000_000);
      const res = await post('/v1/metrics', bomb, { ...PROTO, 'content-encoding': 'gzip' });
      expect(res.status).toBe(413);
      expect(res.text.toString('latin1')).toContain('once decompressed');
      await expectGoodRequestStillLands();
    });

    it('answers 413 for a plain body over the limit', async () => {
      const res = await post('/v1/metrics', Buffer.alloc(1_000_001), PROTO);
      expect(res.status).toBe(413);
      await expectGoodRequestStillLands();
    });

    it('answers 415 in JSON naming the content type it cannot read, and 405 for GET', async () => {
      const res = await post('/v1/metrics', good, { 'content-type': 'text/plain' });
      expect(res.status).toBe(415);
      expect(res.type).toBe('application/json');
      expect(JSON.parse(res.text.toString())).toEqual({ code: 3, message: 'unsupported Content-Type "text/plain"; use application/x-protobuf or application/json' });
      expect((await fetch(`${http}/v1/metrics`)).status).toBe(405);
      await expectGoodRequestStillLands();
    });

    describe('with chunked bodies (no Content-Length)', () => {
      it('reads a chunked body, plain and gzip', async () => {
        const half = Math.floor(good.length / 2);
        expect((await postChunked('/v1/metrics', [good.subarray(0, half), good.subarray(half)], PROTO)).status).toBe(200);
        const zipped = gzipSync(good);
        expect((await postChunked('/v1/metrics', [zipped.subarray(0, 10), zipped.subarray(10)], { ...PROTO, 'content-encoding': 'gzip' })).status).toBe(200);
        const sent = ['inflight', 'latency', 'latency.exp', 'requests', 'temperature'];
        expect(names(metrics).sort()).toEqual([...sent, ...sent].sort());
      });

      it('answers 413 for a chunked body over the limit', async () => {
        const res = await postChunked('/v1/metrics', Array.from({ length: 11 }, () => Buffer.alloc(100_000)), PROTO);
        expect(res.status).toBe(413);
        await expectGoodRequestStillLands();
      });

      it('answers 413 as soon as a chunked body passes the limit, and closes the connection instead of reading the rest', async () => {
        const upload = await endlessChunkedPost(`${http}/v1/metrics`, PROTO);
        expect(upload.status).toBe(413);
        expect(upload.headers.connection).toBe('close');
        expect(upload.text).toContain('over max_request_body_size (1000000 bytes)');
        expect(upload.closedByServer).toBe(true);
        // Answered while the body was still coming, within what the sockets buffer past the limit.
        expect(upload.writtenAtAnswer).toBeGreaterThan(1_000_000);
        expect(upload.writtenAtAnswer).toBeLessThan(16_000_000);
        expect(upload.writtenInAll).toBeLessThan(32_000_000);
        await expectGoodRequestStillLands();
      });

      it('answers 413 for a chunked gzip body that inflates past the limit', async () => {
        const bomb = gzipSync(Buffer.alloc(5_000_000));
        const res = await postChunked('/v1/metrics', [bomb.subarray(0, 1000), bomb.subarray(1000)], { ...PROTO, 'content-encoding': 'gzip' });
        expect(res.status).toBe(413);
        expect(res.text).toContain('once decompressed');
        await expectGoodRequestStillLands();
      });
    });

    it('answers 200 with partial_success when some points were unusable, in the request content type', async () => {
      const body = JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'g', gauge: { dataPoints: [{ asDouble: 1 }, { timeUnixNano: '1' }] } }] }] }] });
      const res = await post('/v1/metrics', body, { 'content-type': 'application/json' });
      expect(res.status).toBe(200);
      expect(res.type).toBe('application/json');
      expect(JSON.parse(res.text.toString())).toEqual({ partialSuccess: { rejectedDataPoints: '1', errorMessage: '1 data points rejected: a data point of "g" has no value' } });
      expect(names(metrics)).toEqual(['g']);
    });

    it('answers 429 with Retry-After when a pipeline pushes back, and 400 when it refuses for good', async () => {
      refuseWith = ConsumerError.retryable('queue full', { retryAfterMs: 2000 });
      const busy = await post('/v1/metrics', good, PROTO);
      expect(busy.status).toBe(429);
      expect(busy.retryAfter).toBe('2');
      refuseWith = ConsumerError.retryable('shutting down');
      const unavailable = await post('/v1/metrics', good, PROTO);
      expect(unavailable.status).toBe(503);
      expect(unavailable.retryAfter).toBe('5'); // no hint from the pipeline: the default of 5 s
      refuseWith = ConsumerError.permanent('bad data');
      expect((await post('/v1/metrics', good, PROTO)).status).toBe(400);
      refuseWith = undefined;
      await expectGoodRequestStillLands();
    });
  });

  describe('bad input over gRPC', () => {
    const call = (body: Uint8Array) => callGrpc(metricsClient, body);

    it('answers INVALID_ARGUMENT with the decoder message for a truncated body', async () => {
      const { proto } = await sdkMetricsBodies();
      const { error } = await call(proto.subarray(0, 20));
      expect(error?.code).toBe(3);
      expect(error?.details).toContain('truncated protobuf');
      expect((await call(proto)).error).toBeNull();
    });

    it('answers INVALID_ARGUMENT for random bytes and for wrong wire types, and takes the next request', async () => {
      const { proto } = await sdkMetricsBodies();
      const random = await call(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]));
      expect(random.error?.code).toBe(3);
      const topLevel = await call(Uint8Array.from(uint(1, 1))); // resource_metrics as a varint
      expect(topLevel.error?.code).toBe(3);
      expect(topLevel.error?.details).toContain('field 1 of ExportMetricsServiceRequest has wire type 0 (VARINT), expected 2 (LEN)');
      const nested = await call(metricsRequest([...str(1, 'g'), ...len(5, len(1, [...tag(3, 2), 0]))])); // a data point's time as bytes
      expect(nested.error?.code).toBe(3);
      expect(nested.error?.details).toContain('field 3 of NumberDataPoint has wire type 2 (LEN), expected 1 (I64)');
      expect((await call(proto)).error).toBeNull();
      expect(names(metrics)).toContain('requests');
    });

    it('answers RESOURCE_EXHAUSTED (HTTP\'s 429) with a RetryInfo detail when a pipeline pushes back with a retry delay', async () => {
      const { proto } = await sdkMetricsBodies();
      refuseWith = ConsumerError.retryable('queue full', { retryAfterMs: 3000 });
      const { error } = await call(proto);
      expect(error?.code).toBe(8);
      const details = error!.metadata.get('grpc-status-details-bin')[0] as Buffer;
      expect(details.toString('latin1')).toContain('type.googleapis.com/google.rpc.RetryInfo');
      // RetryInfo.retry_delay = Duration{seconds: 3}: bytes 0a 02 08 03 at the end of the Any's value.
      expect([...details.subarray(details.length - 4)]).toEqual([0x0a, 0x02, 0x08, 0x03]);
    });
  });

  it('counts accepted and refused items by signal and transport', async () => {
    const text = await settings.selfMetrics.registry.getSingleMetricAsString('switchyard_receiver_accepted_points_total');
    expect(text).toMatch(/switchyard_receiver_accepted_points_total\{component="otlp",signal="metrics",transport="grpc"\} \d+/);
    expect(text).toMatch(/switchyard_receiver_accepted_points_total\{component="otlp",signal="traces",transport="http"\} \d+/);
  });

  describe('self-telemetry on the admin /metrics', () => {
    const admin = new AdminServer({ endpoint: '127.0.0.1:0', version: 'test', startedAt: new Date(), health: () => [], ready: () => true, selfMetrics: settings.selfMetrics, logger: pino({ level: 'silent' }), configFiles: () => [] });
    beforeAll(() => admin.start());
    afterAll(() => admin.close());

    async function scrape(): Promise<Sample[]> {
      return parseExposition(await (await fetch(`http://${admin.endpoint()}/metrics`)).text());
    }
    const total = (samples: Sample[], name: string, labels: Record<string, string>) => find(samples, name, labels).reduce((sum, s) => sum + s.value, 0);
    const requests = (samples: Sample[], transport: string, reason: string) => total(samples, 'switchyard_receiver_refused_requests_total', { component: 'otlp', signal: 'metrics', transport, reason });
    const points = (samples: Sample[], reason: string) => total(samples, 'switchyard_receiver_refused_points_total', { component: 'otlp', signal: 'metrics', transport: 'http', reason });

    it('counts requests refused before their points are known (malformed, too large, unsupported type) by reason', async () => {
      const before = await scrape();
      const { proto } = await sdkMetricsBodies();
      expect((await post('/v1/metrics', proto.subarray(0, proto.length - 7), { 'content-type': 'application/x-protobuf' })).status).toBe(400);
      expect((await post('/v1/metrics', '{"resourceMetrics":', { 'content-type': 'application/json' })).status).toBe(400);
      expect((await post('/v1/metrics', Buffer.from('not gzip'), { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' })).status).toBe(400);
      expect((await post('/v1/metrics', gzipSync(Buffer.alloc(5_000_000)), { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' })).status).toBe(413);
      expect((await post('/v1/metrics', proto, { 'content-type': 'text/plain' })).status).toBe(415);
      expect((await post('/v1/metrics', proto, { 'content-type': 'application/x-protobuf', 'content-encoding': 'br' })).status).toBe(415);
      expect((await callGrpc(metricsClient, Uint8Array.from([0x0a, 0x05, 0x01]))).error?.code).toBe(3);
      const after = await scrape();

      expect(requests(after, 'http', 'malformed') - requests(before, 'http', 'malformed')).toBe(3);
      expect(requests(after, 'http', 'too_large') - requests(before, 'http', 'too_large')).toBe(1);
      expect(requests(after, 'http', 'unsupported_media_type') - requests(before, 'http', 'unsupported_media_type')).toBe(2);
      expect(requests(after, 'grpc', 'malformed') - requests(before, 'grpc', 'malformed')).toBe(1);
      // Their points were never known: none is counted as refused.
      expect(points(after, 'malformed') - points(before, 'malformed')).toBe(0);
    });

    it('counts a request the pipeline pushes back both as a refused request and as its refused points', async () => {
      const { proto } = await sdkMetricsBodies();
      const before = await scrape();
      refuseWith = ConsumerError.retryable('queue full', { retryAfterMs: 1000 });
      expect((await post('/v1/metrics', proto, { 'content-type': 'application/x-protobuf' })).status).toBe(429);
      const after = await scrape();
      expect(requests(after, 'http', 'backpressure') - requests(before, 'http', 'backpressure')).toBe(1);
      expect(points(after, 'backpressure') - points(before, 'backpressure')).toBe(5); // the SDK body's five data points
    });
  });
});

describe('OTLP receiver without a logs pipeline', () => {
  const only = silentSettings('otlp/metrics-only');
  const metricsOnly = otlpReceiverFactory.create(only, otlpReceiverFactory.configSchema.parse({ protocols: { http: { endpoint: '127.0.0.1:0' }, grpc: { endpoint: '127.0.0.1:0' } } }), { metrics: { consumeMetrics: async () => undefined } });
  beforeAll(() => metricsOnly.start());
  afterAll(() => metricsOnly.shutdown());

  it('answers 404 on /v1/logs and UNIMPLEMENTED for the gRPC logs Export', async () => {
    const res = await fetch(`http://${only.details['endpoint.http'] as string}/v1/logs`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(404);
    const client = new logsClient(only.details['endpoint.grpc'] as string, credentials.createInsecure());
    const error = await new Promise<ServiceError | null>((resolve) => (client as unknown as { Export(b: Buffer, cb: (e: ServiceError | null) => void): void }).Export(Buffer.alloc(0), resolve));
    client.close();
    expect(error?.code).toBe(12);
  });
});

describe('otlp receiver config', () => {
  it('rejects unknown keys and an empty protocols block', () => {
    const bad = otlpReceiverFactory.configSchema.safeParse({ protocols: { http: { endpont: 'x' } } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]).toMatchObject({ code: 'unrecognized_keys', path: ['protocols', 'http'] });
    const empty = otlpReceiverFactory.configSchema.safeParse({ protocols: {} });
    expect(empty.error!.issues[0]!.message).toBe('enable at least one protocol: grpc or http');
  });

  it('turns a protocol on with an empty key, with the default endpoints', () => {
    const c = otlpReceiverFactory.configSchema.parse({ protocols: { grpc: null, http: null } });
    expect(c.protocols.grpc!.endpoint).toBe('127.0.0.1:4317');
    expect(c.protocols.http!.endpoint).toBe('127.0.0.1:4318');
    expect(c.protocols.http!.max_request_body_size).toBe(20 * 1024 * 1024);
  });
});
