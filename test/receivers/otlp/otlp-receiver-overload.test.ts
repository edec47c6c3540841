import { credentials, makeGenericClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { connect } from 'node:http2';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { Component } from '../../../src/component/component.ts';
import { otlpReceiverFactory } from '../../../receivers/otlp/factory.ts';
import { sdkMetricsBodies } from '../../helpers/sdk-bodies.ts';
import { silentSettings } from '../../helpers/silent-settings.ts';
import { endlessChunkedPost } from '../../helpers/endless-chunked.ts';
import { ConsumerError } from '../../../src/consumer/errors.ts';

const id = (b: Buffer) => b;
const MetricsClient = makeGenericClientConstructor(
  { Export: { path: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export', requestStream: false, responseStream: false, requestSerialize: id, requestDeserialize: id, responseSerialize: id, responseDeserialize: id } },
  'MetricsService',
);

/** A receiver whose pipeline holds the event loop 80 ms a batch (a slow decode, say), shedding past 30 ms of waiting. */
async function slowReceiver() {
  const settings = silentSettings('otlp');
  const receiver: Component = otlpReceiverFactory.create(
    settings,
    otlpReceiverFactory.configSchema.parse({ protocols: { http: { endpoint: '127.0.0.1:0', max_queue_delay: '30ms' }, grpc: { endpoint: '127.0.0.1:0', max_queue_delay: '30ms' } } }),
    {
      metrics: {
        consumeMetrics: async () => {
          const until = performance.now() + 80;
          while (performance.now() < until);
        },
      },
    },
  );
  await receiver.start();
  cleanups.push(() => receiver.shutdown());
  return { http: settings.details['endpoint.http'] as string, grpc: settings.details['endpoint.grpc'] as string };
}

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('OTLP receiver under overload', () => {
  it('answers 503 with Retry-After, undecoded, to requests that waited past max_queue_delay for their turn', async () => {
    const r = await slowReceiver();
    const { proto } = await sdkMetricsBodies();
    const answers = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const res = await fetch(`http://${r.http}/v1/metrics`, { method: 'POST', body: proto as BodyInit, headers: { 'content-type': 'application/x-protobuf' } });
        await res.arrayBuffer();
        return { status: res.status, retryAfter: res.headers.get('retry-after') };
      }),
    );
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThan(0);
    const shed = answers.filter((a) => a.status !== 200);
    expect(shed.length).toBeGreaterThan(0);
    for (const a of shed) expect(a).toEqual({ status: 503, retryAfter: '1' });
  });

  it('answers UNAVAILABLE with a RetryInfo over gRPC', async () => {
    const r = await slowReceiver();
    const { proto } = await sdkMetricsBodies();
    const client = new MetricsClient(r.grpc, credentials.createInsecure());
    cleanups.push(() => client.close());
    const call = () =>
      new Promise<ServiceError | null>((resolve) => (client as unknown as { Export(b: Buffer, cb: (e: ServiceError | null) => void): void }).Export(Buffer.from(proto), (error) => resolve(error)));
    const errors = await Promise.all(Array.from({ length: 6 }, call));
    expect(errors.filter((e) => e === null).length).toBeGreaterThan(0);
    const shed = errors.filter((e): e is ServiceError => e !== null);
    expect(shed.length).toBeGreaterThan(0);
    for (const e of shed) {
      expect(e.code).toBe(14);
      expect(e.details).toContain('max_queue_delay (30 ms)');
      expect((e.metadata.get('grpc-status-details-bin')[0] as Buffer).toString('latin1')).toContain('google.rpc.RetryInfo');
    }
  });
});

/** A gRPC-only receiver whose pipeline runs `consume` for each batch; `call` sends one body, `refusals` reads a reason's count. */
async function grpcReceiver(consume: () => Promise<void>, limits: Record<string, unknown> = {}) {
  const settings = silentSettings('otlp');
  const receiver: Component = otlpReceiverFactory.create(
    settings,
    otlpReceiverFactory.configSchema.parse({ protocols: { grpc: { endpoint: '127.0.0.1:0', ...limits } } }),
    { metrics: { consumeMetrics: consume } },
  );
  await receiver.start();
  cleanups.push(() => receiver.shutdown());
  return { call: grpcCaller(settings.details['endpoint.grpc'] as string), refusals: (reason: string) => grpcRefusals(settings, reason) };
}

/** Sends one body to a gRPC endpoint's metrics Export; the call's error, or null. */
function grpcCaller(address: string) {
  const client = new MetricsClient(address, credentials.createInsecure());
  cleanups.push(() => client.close());
  return (body: Uint8Array) =>
    new Promise<ServiceError | null>((resolve) => (client as unknown as { Export(b: Buffer, cb: (e: ServiceError | null) => void): void }).Export(Buffer.from(body), (error) => resolve(error)));
}

/** The count of gRPC requests refused for `reason`. */
async function grpcRefusals(settings: ReturnType<typeof silentSettings>, reason: string): Promise<number> {
  const text = await settings.selfMetrics.registry.getSingleMetricAsString('switchyard_receiver_refused_requests_total');
  return Number(new RegExp(`transport="grpc",reason="${reason}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
}

const retryInfoOf = (e: ServiceError) => (e.metadata.get('grpc-status-details-bin')[0] as Buffer | undefined)?.toString('latin1') ?? '';

describe('OTLP/gRPC admission, as the Collector answers', () => {
  it('admits 16 calls at once by default (their messages share a connection’s window), where HTTP admits 128', () => {
    const c = otlpReceiverFactory.configSchema.parse({ protocols: { http: null, grpc: null } });
    expect([c.protocols.grpc!.max_concurrent_requests, c.protocols.http!.max_concurrent_requests]).toEqual([16, 128]);
  });

  it('refuses a call over max_concurrent_requests with RESOURCE_EXHAUSTED and RetryInfo from its metadata, before its message is read', async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const r = await grpcReceiver(() => held, { max_concurrent_requests: 1 });
    const { proto } = await sdkMetricsBodies();
    const first = r.call(proto);
    // Let the first call be admitted before the second arrives.
    for (let i = 0; i < 100 && (await r.refusals('too_many_requests')) === 0; i++) {
      // Not valid OTLP: decoded, it would be INVALID_ARGUMENT; refused at the gate, it never is.
      const e = await Promise.race([r.call(Buffer.from([0xff, 0xff, 0xff])), new Promise<null>((resolve) => setTimeout(() => resolve(null), 200))]);
      if (e) {
        expect(e.code).toBe(8); // RESOURCE_EXHAUSTED
        expect(e.details).toBe('over max_concurrent_requests (1); retry later');
        expect(retryInfoOf(e)).toContain('google.rpc.RetryInfo');
      }
    }
    expect(await r.refusals('too_many_requests')).toBeGreaterThan(0);
    expect(await r.refusals('malformed')).toBe(0);
    release();
    expect(await first).toBeNull();
    expect(await r.call(proto)).toBeNull();
  });

  it('answers RESOURCE_EXHAUSTED where HTTP says 429 (a full queue) and UNAVAILABLE where it says 503, both with RetryInfo', async () => {
    const { proto } = await sdkMetricsBodies();
    const full = await grpcReceiver(() => Promise.reject(ConsumerError.retryable('the queue is full', { retryAfterMs: 2_000 })));
    const fullError = (await full.call(proto))!;
    expect([fullError.code, fullError.details]).toEqual([8, 'the queue is full']);
    expect(retryInfoOf(fullError)).toContain('google.rpc.RetryInfo');
    const stopping = await grpcReceiver(() => Promise.reject(ConsumerError.retryable('the gateway is shutting down')));
    const stoppingError = (await stopping.call(proto))!;
    expect([stoppingError.code, stoppingError.details]).toEqual([14, 'the gateway is shutting down']);
    expect(retryInfoOf(stoppingError)).toContain('google.rpc.RetryInfo');
  });
});

describe('OTLP/gRPC read_timeout', () => {
  it('ends DEADLINE_EXCEEDED a call whose message does not arrive in time, and gives its admission back', async () => {
    const settings = silentSettings('otlp');
    const receiver: Component = otlpReceiverFactory.create(
      settings,
      otlpReceiverFactory.configSchema.parse({ protocols: { grpc: { endpoint: '127.0.0.1:0', read_timeout: '300ms', max_concurrent_requests: 1 } } }),
      { metrics: { consumeMetrics: async () => {} } },
    );
    await receiver.start();
    cleanups.push(() => receiver.shutdown());
    const address = settings.details['endpoint.grpc'] as string;
    // A raw HTTP/2 client: the message's 5-byte prefix promises 1,000 bytes, 10 come, then nothing.
    const session = connect(`http://${address}`);
    session.on('error', () => {});
    cleanups.push(() => session.destroy());
    const stream = session.request({ ':method': 'POST', ':path': '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export', 'content-type': 'application/grpc', te: 'trailers' });
    stream.write(Buffer.concat([Buffer.from([0, 0, 0, 0x03, 0xe8]), Buffer.alloc(10)]));
    const started = performance.now();
    stream.on('error', () => {}); // the stream is reset once answered
    // A trailers-only answer (no message was sent): the status comes in the response headers.
    const trailers = await new Promise<Record<string, unknown>>((resolve) => {
      stream.on('response', (headers) => headers['grpc-status'] !== undefined && resolve(headers));
      stream.on('trailers', resolve);
    });
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(trailers['grpc-status']).toBe('4'); // DEADLINE_EXCEEDED
    expect(decodeURIComponent(String(trailers['grpc-message']))).toBe('the message did not arrive within read_timeout (300 ms)');
    expect(await grpcRefusals(settings, 'read_timeout')).toBe(1);
    // Its place under max_concurrent_requests (1) is free again.
    const { proto } = await sdkMetricsBodies();
    expect(await grpcCaller(address)(proto)).toBeNull();
  });
});

describe('OTLP/gRPC calls that arrive during a reload', () => {
  const config = (limits: Record<string, unknown> = {}) => otlpReceiverFactory.configSchema.parse({ protocols: { grpc: { endpoint: '127.0.0.1:0', ...limits } } });

  /** A receiver handed over (a reload begun), and calls sent to its listener while no receiver owns it. */
  async function midReload(calls: number) {
    const settings = silentSettings('otlp');
    const old: Component = otlpReceiverFactory.create(settings, config(), { metrics: { consumeMetrics: async () => {} } });
    await old.start();
    const call = grpcCaller(settings.details['endpoint.grpc'] as string);
    const { proto } = await sdkMetricsBodies();
    expect(await call(proto)).toBeNull();
    const handover = await old.handOver!();
    const answers = Array.from({ length: calls }, () => call(proto));
    await sleep(300); // the calls arrived and wait for an owner
    return { handover, answers };
  }

  it('wait for the new receiver and go through its limits (max_concurrent_requests), not none', async () => {
    const { handover, answers } = await midReload(3);
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const settings = silentSettings('otlp');
    const next: Component = otlpReceiverFactory.create(settings, config({ max_concurrent_requests: 1 }), { metrics: { consumeMetrics: () => held } });
    next.takeOver?.(handover);
    await next.start();
    cleanups.push(() => next.shutdown());
    const settled: (ServiceError | null | 'pending')[] = await Promise.all(answers.map((a) => Promise.race([a, sleep(500).then(() => 'pending' as const)])));
    const refused = settled.filter((e): e is ServiceError => e !== null && e !== 'pending');
    expect(refused.map((e) => [e.code, e.details])).toEqual([
      [8, 'over max_concurrent_requests (1); retry later'],
      [8, 'over max_concurrent_requests (1); retry later'],
    ]);
    expect(settled.filter((e) => e === 'pending')).toHaveLength(1);
    expect(await grpcRefusals(settings, 'too_many_requests')).toBe(2);
    release();
    expect((await Promise.all(answers)).filter((e) => e === null)).toHaveLength(1);
  });

  it('are refused UNAVAILABLE with RetryInfo when nobody takes the listener (a shutdown)', async () => {
    const { handover, answers } = await midReload(2);
    await handover.close();
    for (const error of await Promise.all(answers)) {
      expect([error?.code, error?.details]).toEqual([14, 'the receiver stopped (a reload or a shutdown); retry']);
      expect(retryInfoOf(error!)).toContain('google.rpc.RetryInfo');
    }
  });
});

describe('OTLP receiver max_request_bytes_in_flight', () => {
  it('defaults to 64 MiB on both protocols', () => {
    const c = otlpReceiverFactory.configSchema.parse({ protocols: { http: null, grpc: null } });
    expect([c.protocols.http!.max_request_bytes_in_flight, c.protocols.grpc!.max_request_bytes_in_flight]).toEqual([64 * 1024 * 1024, 64 * 1024 * 1024]);
  });

  it('answers 429 with Retry-After over HTTP, before reading the body, while held requests fill it; and takes requests again once they are answered', async () => {
    const { proto } = await sdkMetricsBodies();
    let release = () => {};
    let held: Promise<void> | undefined = new Promise<void>((resolve) => (release = resolve));
    const settings = silentSettings('otlp');
    const receiver: Component = otlpReceiverFactory.create(
      settings,
      otlpReceiverFactory.configSchema.parse({ protocols: { http: { endpoint: '127.0.0.1:0', max_request_bytes_in_flight: proto.length + 10 } } }),
      { metrics: { consumeMetrics: () => held ?? Promise.resolve() } },
    );
    await receiver.start();
    cleanups.push(() => receiver.shutdown());
    const post = () => fetch(`http://${settings.details['endpoint.http'] as string}/v1/metrics`, { method: 'POST', body: proto as BodyInit, headers: { 'content-type': 'application/x-protobuf' } });
    const first = post();
    let refused = await post();
    for (let i = 0; i < 50 && refused.status !== 429; i++) refused = (await sleep(20), await post());
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.text()).toContain(`over max_request_bytes_in_flight (${proto.length + 10} bytes of requests held at once)`);
    const text = await settings.selfMetrics.registry.getSingleMetricAsString('switchyard_receiver_refused_requests_total');
    expect(text).toMatch(/transport="http",reason="too_many_bytes_in_flight"\} [1-9]/);
    held = undefined;
    release();
    expect((await first).status).toBe(200);
    expect((await post()).status).toBe(200);
  });

  it('counts a chunked body as it arrives: 429 as soon as it passes the limit while a held request fills the rest, the rest dropped unkept', async () => {
    const { proto } = await sdkMetricsBodies();
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const settings = silentSettings('otlp');
    const limit = proto.length + 200_000;
    const receiver: Component = otlpReceiverFactory.create(
      settings,
      otlpReceiverFactory.configSchema.parse({ protocols: { http: { endpoint: '127.0.0.1:0', max_request_bytes_in_flight: limit } } }),
      { metrics: { consumeMetrics: () => held } },
    );
    await receiver.start();
    cleanups.push(() => receiver.shutdown());
    const url = `http://${settings.details['endpoint.http'] as string}/v1/metrics`;
    const first = fetch(url, { method: 'POST', body: proto as BodyInit, headers: { 'content-type': 'application/x-protobuf' } });
    await sleep(200); // the first request read and held by its pipeline
    // Answered while the body was still coming (it would never end): the client ends it on the answer.
    const upload = await endlessChunkedPost(url, { 'content-type': 'application/x-protobuf' }, 16 * 1024, 256 * 1024 * 1024, true);
    expect(upload.status).toBe(429);
    expect(upload.headers['retry-after']).toBe('1');
    // Not closed: a socket closed with unread data is reset, and the client would lose its 429.
    expect(upload.headers.connection).not.toBe('close');
    expect(upload.text).toContain(`over max_request_bytes_in_flight (${limit} bytes of requests held at once)`);
    expect(upload.writtenAtAnswer).toBeLessThan(16_000_000);
    const text = await settings.selfMetrics.registry.getSingleMetricAsString('switchyard_receiver_refused_requests_total');
    expect(text).toMatch(/transport="http",reason="too_many_bytes_in_flight"\} 1/);
    release();
    expect((await first).status).toBe(200);
    // The refused body's bytes were given back: a request as large as the limit alone passes again.
    const alone = await fetch(url, { method: 'POST', body: proto as BodyInit, headers: { 'content-type': 'application/x-protobuf' } });
    expect(alone.status).toBe(200);
  });

  it('answers RESOURCE_EXHAUSTED with RetryInfo over gRPC while held calls fill it', async () => {
    const { proto } = await sdkMetricsBodies();
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let holding = true;
    const r = await grpcReceiver(() => (holding ? held : Promise.resolve()), { max_request_bytes_in_flight: proto.length + 10 });
    const first = r.call(proto);
    let refused = await Promise.race([r.call(proto), sleep(300).then(() => null)]);
    for (let i = 0; i < 20 && !refused; i++) refused = await Promise.race([r.call(proto), sleep(300).then(() => null)]);
    expect(refused?.code).toBe(8);
    expect(refused?.details).toContain('over max_request_bytes_in_flight');
    expect(retryInfoOf(refused!)).toContain('google.rpc.RetryInfo');
    expect(await r.refusals('too_many_bytes_in_flight')).toBeGreaterThan(0);
    holding = false;
    release();
    expect(await first).toBeNull();
    expect(await r.call(proto)).toBeNull();
  });
});
