import { connect } from 'node:net';
import { credentials, Metadata } from '@grpc/grpc-js';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Component } from '../../../src/component/component.ts';
import type { MetricsBatch } from '../../../src/model/metrics.ts';
import { otlpReceiverFactory } from '../../../receivers/otlp/factory.ts';
import { ManualReader } from '../../helpers/sdk-bodies.ts';
import { silentSettings } from '../../helpers/silent-settings.ts';
import { makeTestCa, type TestCa } from '../../helpers/test-ca.ts';
import { tempFiles } from '../../helpers/temp-files.ts';

/** ExportResultCode.SUCCESS of @opentelemetry/core. */
const SUCCESS = 0;

/** Records one counter with the real SDK and exports it once through `exporter`; resolves to the export's result code. */
async function exportOnce(exporter: PushMetricExporter, attributes: Record<string, string> = { route: '/x' }): Promise<number> {
  const reader = new ManualReader();
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'svc' }), readers: [reader] });
  provider.getMeter('m').createCounter('sdk.requests').add(4, attributes);
  const { resourceMetrics } = await reader.collect();
  const code = await new Promise<number>((resolve) => exporter.export(resourceMetrics, (r) => resolve(r.code)));
  await exporter.shutdown();
  await provider.shutdown();
  return code;
}

/** An OTLP receiver with metrics only; `received` holds what it handed on. */
async function startReceiver(protocols: Record<string, unknown>) {
  const settings = silentSettings('otlp');
  const received: MetricsBatch[] = [];
  const receiver: Component = otlpReceiverFactory.create(settings, otlpReceiverFactory.configSchema.parse({ protocols }), {
    metrics: { consumeMetrics: async (b) => void received.push(b) },
  });
  await receiver.start();
  return {
    settings,
    received,
    receiver,
    http: settings.details['endpoint.http'] as string,
    grpc: settings.details['endpoint.grpc'] as string,
    refusals: async (transport: string, reason: string) => {
      const text = await settings.selfMetrics.registry.getSingleMetricAsString('switchyard_receiver_refused_requests_total');
      const m = new RegExp(`signal="metrics",transport="${transport}",reason="${reason}"\\} (\\d+)`).exec(text);
      return m ? Number(m[1]) : 0;
    },
  };
}

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('OTLP receiver auth', () => {
  let r: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    const t = tempFiles({ 'grpc-token': 'grpc-s3cret\n' });
    cleanups.push(t.cleanup);
    r = await startReceiver({
      http: { endpoint: '127.0.0.1:0', auth: { bearer_token: 'http-s3cret' } },
      grpc: { endpoint: '127.0.0.1:0', auth: { bearer_token_file: t.path('grpc-token') } },
    });
    cleanups.push(() => r.receiver.shutdown());
  });
  afterEach(() => void (r.received.length = 0));

  it('lets in an SDK exporter sending the token through OTEL_EXPORTER_OTLP_HEADERS, over HTTP', async () => {
    process.env.OTEL_EXPORTER_OTLP_HEADERS = 'authorization=Bearer http-s3cret';
    let exporter: PushMetricExporter;
    try {
      exporter = new ProtoMetricExporter({ url: `http://${r.http}/v1/metrics` });
    } finally {
      delete process.env.OTEL_EXPORTER_OTLP_HEADERS;
    }
    expect(await exportOnce(exporter)).toBe(SUCCESS);
    expect(r.received).toHaveLength(1);
  });

  it('refuses an SDK exporter without the token, or with a wrong one, over HTTP, and counts each by reason', async () => {
    const before = { missing: await r.refusals('http', 'unauthenticated'), wrong: await r.refusals('http', 'invalid_token') };
    expect(await exportOnce(new ProtoMetricExporter({ url: `http://${r.http}/v1/metrics` }))).not.toBe(SUCCESS);
    expect(await exportOnce(new ProtoMetricExporter({ url: `http://${r.http}/v1/metrics`, headers: { authorization: 'Bearer http-s3cres' } }))).not.toBe(SUCCESS);
    expect(r.received).toHaveLength(0);
    expect(await r.refusals('http', 'unauthenticated')).toBe(before.missing + 1);
    expect(await r.refusals('http', 'invalid_token')).toBe(before.wrong + 1);
  });

  it('answers 401 with WWW-Authenticate: Bearer, and never says what the token is', async () => {
    const res = await fetch(`http://${r.http}/v1/metrics`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    const wrong = await fetch(`http://${r.http}/v1/metrics`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(await wrong.text()).not.toContain('s3cret');
  });

  it('lets in an SDK gRPC exporter sending the token from bearer_token_file as metadata, and refuses one without it as UNAUTHENTICATED', async () => {
    const metadata = new Metadata();
    metadata.set('authorization', 'Bearer grpc-s3cret');
    expect(await exportOnce(new GrpcMetricExporter({ url: `http://${r.grpc}`, metadata }))).toBe(SUCCESS);
    expect(r.received).toHaveLength(1);

    const before = await r.refusals('grpc', 'unauthenticated');
    const failure = await new Promise<Error | undefined>((resolve) => {
      const exporter = new GrpcMetricExporter({ url: `http://${r.grpc}` });
      const reader = new ManualReader();
      const provider = new MeterProvider({ readers: [reader] });
      provider.getMeter('m').createCounter('c').add(1);
      void reader.collect().then(({ resourceMetrics }) => exporter.export(resourceMetrics, (res) => resolve(res.error)));
    });
    expect(failure?.message).toMatch(/UNAUTHENTICATED|missing bearer token/);
    expect(r.received).toHaveLength(1);
    expect(await r.refusals('grpc', 'unauthenticated')).toBe(before + 1);
  });
});

describe('OTLP receiver TLS', () => {
  let ca: TestCa;
  let r: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    const t = tempFiles({});
    cleanups.push(t.cleanup);
    ca = makeTestCa(t.dir);
    const tls = { cert_file: ca.serverCert, key_file: ca.serverKey, client_ca_file: ca.caCert };
    r = await startReceiver({ http: { endpoint: '127.0.0.1:0', tls, read_header_timeout: '1s' }, grpc: { endpoint: '127.0.0.1:0', tls } });
    cleanups.push(() => r.receiver.shutdown());
  }, 30_000);
  afterEach(() => void (r.received.length = 0));

  it('takes metrics from the SDK exporter over HTTPS with a client certificate signed by client_ca_file (mutual TLS)', async () => {
    const exporter = new ProtoMetricExporter({ url: `https://${r.http}/v1/metrics`, httpAgentOptions: { ca: ca.read(ca.caCert), cert: ca.read(ca.clientCert), key: ca.read(ca.clientKey) } });
    expect(await exportOnce(exporter)).toBe(SUCCESS);
    expect(r.received).toHaveLength(1);
  });

  it('refuses an HTTPS client without a client certificate, and plain HTTP', async () => {
    const noCert = new ProtoMetricExporter({ url: `https://${r.http}/v1/metrics`, httpAgentOptions: { ca: ca.read(ca.caCert) }, timeoutMillis: 3_000 });
    expect(await exportOnce(noCert)).not.toBe(SUCCESS);
    const plain = new ProtoMetricExporter({ url: `http://${r.http}/v1/metrics`, timeoutMillis: 3_000 });
    expect(await exportOnce(plain)).not.toBe(SUCCESS);
    expect(r.received).toHaveLength(0);
  });

  it('takes metrics from the SDK gRPC exporter over TLS with a client certificate, and refuses one without', async () => {
    const good = new GrpcMetricExporter({ url: `https://${r.grpc}`, credentials: credentials.createSsl(ca.read(ca.caCert), ca.read(ca.clientKey), ca.read(ca.clientCert)) });
    expect(await exportOnce(good)).toBe(SUCCESS);
    expect(r.received).toHaveLength(1);
    const noCert = new GrpcMetricExporter({ url: `https://${r.grpc}`, credentials: credentials.createSsl(ca.read(ca.caCert)), timeoutMillis: 3_000 });
    expect(await exportOnce(noCert)).not.toBe(SUCCESS);
    expect(r.received).toHaveLength(1);
  });

  it('offers TLS 1.2 at the least: a TLS 1.1 client is refused', async () => {
    const { connect: tlsConnect } = await import('node:tls');
    const [host, port] = [r.http.split(':')[0]!, Number(r.http.split(':')[1])];
    const outcome = await new Promise<string>((resolve) => {
      const socket = tlsConnect({ host, port, ca: ca.read(ca.caCert), cert: ca.read(ca.clientCert), key: ca.read(ca.clientKey), maxVersion: 'TLSv1.1', minVersion: 'TLSv1' });
      socket.once('secureConnect', () => (socket.destroy(), resolve('connected')));
      socket.once('error', (e) => resolve(e.message));
    });
    expect(outcome).not.toBe('connected');
  });

  it('closes a connection that never finishes its TLS handshake at read_header_timeout, not at Node’s 120 s', async () => {
    const [host, port] = [r.http.split(':')[0]!, Number(r.http.split(':')[1])];
    const started = Date.now();
    const closedAfter = await new Promise<number>((resolve) => {
      // The first bytes of a TLS record header, then silence: the handshake never completes.
      const socket = connect(port, host, () => socket.write(Buffer.from([0x16, 0x03, 0x01])));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(Date.now() - started));
    });
    expect(closedAfter).toBeGreaterThanOrEqual(900);
    expect(closedAfter).toBeLessThan(30_000);
  }, 60_000);

  it('says which file it cannot read, at its YAML path', async () => {
    const settings = silentSettings('otlp');
    const receiver = otlpReceiverFactory.create(settings, otlpReceiverFactory.configSchema.parse({ protocols: { http: { endpoint: '127.0.0.1:0', tls: { cert_file: '/nonexistent/cert.pem', key_file: ca.serverKey } } } }), { metrics: { consumeMetrics: async () => undefined } });
    await expect(receiver.start()).rejects.toMatchObject({ name: 'ConfigFault', path: ['protocols', 'http', 'tls', 'cert_file'], message: 'cannot read /nonexistent/cert.pem: ENOENT' });
    await receiver.shutdown();
  });
});

describe('OTLP receiver limits', () => {
  let r: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    r = await startReceiver({
      http: { endpoint: '127.0.0.1:0', max_points_per_request: 3, max_attributes_per_point: 2, max_attribute_value_length: 5, max_concurrent_requests: 1, read_header_timeout: '1s', read_timeout: '1500ms' },
      grpc: { endpoint: '127.0.0.1:0', max_points_per_request: 3 },
    });
    cleanups.push(() => r.receiver.shutdown());
  });
  afterEach(() => void (r.received.length = 0));

  const json = (points: number, attributes: Record<string, string> = {}) =>
    JSON.stringify({
      resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'g', gauge: { dataPoints: Array.from({ length: points }, (_, i) => ({ asInt: i, timeUnixNano: '1', attributes: Object.entries(attributes).map(([key, v]) => ({ key, value: { stringValue: v } })) })) } }] }] }],
    });
  const post = (body: string) => fetch(`http://${r.http}/v1/metrics`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });

  it('refuses a request over max_points_per_request with 413 naming the limit, and keeps nothing of it', async () => {
    const res = await post(json(4));
    expect(res.status).toBe(413);
    expect(await res.text()).toContain('over max_points_per_request (3)');
    expect(r.received).toHaveLength(0);
    expect((await post(json(3))).status).toBe(200);
    expect(await r.refusals('http', 'too_many_points')).toBe(1);
  });

  it('refuses a gRPC request over max_points_per_request with INVALID_ARGUMENT', async () => {
    const exporter = new GrpcMetricExporter({ url: `http://${r.grpc}` });
    const reader = new ManualReader();
    const provider = new MeterProvider({ readers: [reader] });
    const counter = provider.getMeter('m').createCounter('c');
    for (let i = 0; i < 4; i++) counter.add(1, { i: String(i) });
    const { resourceMetrics } = await reader.collect();
    const error = await new Promise<Error | undefined>((resolve) => exporter.export(resourceMetrics, (res) => resolve(res.error)));
    expect(error?.message).toMatch(/max_points_per_request/);
    expect(r.received).toHaveLength(0);
  });

  it('keeps the first max_attributes_per_point attributes and cuts values to max_attribute_value_length, counting both', async () => {
    expect((await post(json(1, { a: 'short', b: 'much-too-long', c: 'dropped' }))).status).toBe(200);
    expect(r.received[0]!.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.points[0]!.attributes).toEqual({ a: 'short', b: 'much-' });
    const text = await r.settings.selfMetrics.registry.getSingleMetricAsString('switchyard_receiver_truncated_attributes_total');
    expect(text).toContain('switchyard_receiver_truncated_attributes_total{component="otlp",signal="metrics",transport="http",reason="count"} 1');
    expect(text).toContain('switchyard_receiver_truncated_attributes_total{component="otlp",signal="metrics",transport="http",reason="length"} 1');
  });

  /** Opens a raw connection, writes `head`, then a byte a second; resolves to what the server answered and when, in ms. */
  function trickle(head: string): Promise<{ answer: string; afterMs: number }> {
    const [host, port] = [r.http.split(':')[0]!, Number(r.http.split(':')[1])];
    const started = Date.now();
    return new Promise((resolve) => {
      const socket = connect(port, host, () => socket.write(head));
      const timer = setInterval(() => socket.writable && socket.write('a'), 1_000);
      let answer = '';
      socket.on('data', (d: Buffer) => (answer += d.toString()));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(timer);
        resolve({ answer, afterMs: Date.now() - started });
      });
    });
  }

  it('answers 408 and closes the socket of a client trickling its headers a byte a second (read_header_timeout)', async () => {
    const { answer, afterMs } = await trickle('POST /v1/metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(afterMs).toBeLessThan(4_000);
  });

  it('answers 408 and closes the socket of a client trickling its body a byte a second (read_timeout)', async () => {
    const { answer, afterMs } = await trickle('POST /v1/metrics HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(afterMs).toBeLessThan(5_000);
  });

  it('counts a client that goes away mid-body as a refused request (malformed), not as a gateway fault', async () => {
    const before = await r.refusals('http', 'malformed');
    const [host, port] = [r.http.split(':')[0]!, Number(r.http.split(':')[1])];
    const gone = connect(port, host);
    await new Promise<void>((resolve) => gone.once('connect', () => resolve()));
    gone.write('POST /v1/metrics HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"res');
    await new Promise((resolve) => setTimeout(resolve, 100)); // let the server start reading the body
    gone.destroy();
    for (let i = 0; i < 50 && (await r.refusals('http', 'malformed')) === before; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await r.refusals('http', 'malformed')).toBe(before + 1);
  });

  it('answers 429 with Retry-After to a request beyond max_concurrent_requests while another is being read', async () => {
    const [host, port] = [r.http.split(':')[0]!, Number(r.http.split(':')[1])];
    const slow = connect(port, host);
    await new Promise<void>((resolve) => slow.once('connect', () => resolve()));
    slow.write('POST /v1/metrics HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{');
    // Let the server admit it first: a post read in the same loop turn would be in flight (waiting for
    // its decode turn) when the slow request arrives, and the slow one would be the request refused.
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Once the first request is admitted (it then waits for its body), the next one is refused.
    let res = await post(json(1));
    for (let i = 0; i < 100 && res.status === 200; i++) res = await post(json(1));
    slow.destroy();
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await r.refusals('http', 'too_many_requests')).toBe(1);
  });
});
