import { Agent, request } from 'node:http';
import { credentials, makeGenericClientConstructor, status as grpcStatus, type ServiceError } from '@grpc/grpc-js';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { countDataPoints } from '../../src/model/metrics.ts';
import { decodeMetricsProto } from '../../src/otlp/decode/index.ts';
import { ManualReader } from './sdk-bodies.ts';

/**
 * One OTLP/HTTP protobuf metrics body as the SDK sends it: `counters` counters × `sets` attribute sets
 * (the SDK keeps 2,000 sets per instrument). Large enough that the gateway's decode, not the client's
 * send, is what each request costs: on a shared machine the load process must stay the cheaper side.
 */
export async function loadBody(counters = 10, sets = 1000): Promise<{ proto: Uint8Array; points: number }> {
  const reader = new ManualReader();
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'load', 'deployment.environment.name': 'test' }), readers: [reader] });
  const meter = provider.getMeter('load');
  for (let c = 0; c < counters; c++) {
    const counter = meter.createCounter(`load.counter_${c}`);
    for (let s = 0; s < sets; s++) counter.add(1, { route: `/r/${s % 50}`, code: 200 + (s % 5), set: s });
  }
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  const proto = ProtobufMetricsSerializer.serializeRequest(resourceMetrics)!;
  return { proto, points: countDataPoints(decodeMetricsProto(proto).batch) };
}

/** What the client saw: answers by status, the points answered 200, and the answers' latencies. */
export interface LoadReport {
  /** Answers by HTTP status, or gRPC code name. */
  statuses: Record<string, number>;
  okPoints: number;
  /** 429/503 answers that carried no Retry-After (the OTLP spec asks for one); gRPC: no RetryInfo. */
  throttledWithoutRetryAfter: number;
  /** Connection errors by code (ECONNREFUSED, ECONNRESET, …). */
  errors: Record<string, number>;
  latenciesMs: number[];
  elapsedMs: number;
}

export interface LoadOptions {
  url: string;
  body: { proto: Uint8Array; points: number };
  durationMs: number;
  /** Open loop: requests started per second, whatever the answers (absent: closed loop, `connections` at a time). */
  requestsPerSecond?: number;
  /** Sockets kept open; in closed loop also the requests at a time. */
  connections: number;
  /** false: a new connection for every request (to see a port refuse one); default true. */
  keepAlive?: boolean;
}

/**
 * Drives OTLP/HTTP load and counts what came back. Closed loop measures capacity (each connection sends
 * its next request when the last is answered); open loop offers a fixed rate, so a slower gateway sees
 * requests pile up as real SDKs would pile them up, and must refuse some. No client timeout: a request
 * the gateway accepted after the client gave up would make the counts differ.
 */
export async function driveLoad(o: LoadOptions): Promise<LoadReport> {
  const agent = new Agent({ keepAlive: o.keepAlive ?? true, maxSockets: o.connections });
  const url = new URL(o.url);
  const report = await drive(o, async () => {
    const { status, retryAfter } = await post(url, o.body.proto, agent);
    return { status: String(status), ok: status === 200, throttled: status === 429 || status === 503, retryHint: retryAfter !== undefined };
  });
  agent.destroy();
  return report;
}

const id = (b: Buffer) => b;
const MetricsClient = makeGenericClientConstructor(
  { Export: { path: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export', requestStream: false, responseStream: false, requestSerialize: id, requestDeserialize: id, responseSerialize: id, responseDeserialize: id } },
  'MetricsService',
);

/**
 * The same over OTLP/gRPC (`o.url` is host:port): `connections` channels of their own (at most 16),
 * calls spread over them; statuses by gRPC code name (`OK`, `RESOURCE_EXHAUSTED`, `UNAVAILABLE`, …),
 * a retry hint being a google.rpc.RetryInfo in the trailers.
 */
export async function driveGrpcLoad(o: LoadOptions): Promise<LoadReport> {
  const clients = Array.from({ length: Math.min(16, o.connections) }, () => new MetricsClient(o.url, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }));
  const body = Buffer.from(o.body.proto);
  let next = 0;
  const report = await drive(o, async () => {
    const client = clients[next++ % clients.length] as unknown as { Export(b: Buffer, cb: (e: ServiceError | null) => void): void };
    const error = await new Promise<ServiceError | null>((resolve) => client.Export(body, resolve));
    if (error && error.code === grpcStatus.UNAVAILABLE && /ECONNREFUSED|ECONNRESET|No connection established/.test(error.details)) throw Object.assign(new Error(error.details), { code: 'grpc_connection' });
    const code = error ? error.code : grpcStatus.OK;
    const retryInfo = (error?.metadata.get('grpc-status-details-bin')[0] as Buffer | undefined)?.toString('latin1').includes('google.rpc.RetryInfo') ?? false;
    return { status: grpcStatus[code], ok: code === grpcStatus.OK, throttled: code === grpcStatus.RESOURCE_EXHAUSTED || code === grpcStatus.UNAVAILABLE, retryHint: retryInfo };
  });
  for (const c of clients) c.close();
  return report;
}

/** One request's outcome as `drive` counts it. */
interface Answer {
  status: string;
  ok: boolean;
  /** A retryable refusal (429/503, RESOURCE_EXHAUSTED/UNAVAILABLE). */
  throttled: boolean;
  /** Retry-After, or RetryInfo. */
  retryHint: boolean;
}

/** Open or closed loop (see driveLoad) over `send`, which throws for a connection error. */
async function drive(o: LoadOptions, send: () => Promise<Answer>): Promise<LoadReport> {
  const report: LoadReport = { statuses: {}, okPoints: 0, throttledWithoutRetryAfter: 0, errors: {}, latenciesMs: [], elapsedMs: 0 };
  const one = async (): Promise<void> => {
    const t0 = performance.now();
    try {
      const a = await send();
      report.statuses[a.status] = (report.statuses[a.status] ?? 0) + 1;
      if (a.ok) report.okPoints += o.body.points;
      if (a.throttled && !a.retryHint) report.throttledWithoutRetryAfter++;
      report.latenciesMs.push(performance.now() - t0);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      report.errors[code] = (report.errors[code] ?? 0) + 1;
    }
  };
  const start = performance.now();
  const until = start + o.durationMs;
  const running: Promise<void>[] = [];
  if (o.requestsPerSecond === undefined) {
    const loop = async () => {
      while (performance.now() < until) await one();
    };
    for (let i = 0; i < o.connections; i++) running.push(loop());
  } else {
    const gapMs = 1000 / o.requestsPerSecond;
    for (let i = 0; start + i * gapMs < until; i++) {
      const due = start + i * gapMs;
      if (due > performance.now()) await sleep(due - performance.now());
      running.push(one());
    }
  }
  await Promise.all(running);
  report.elapsedMs = performance.now() - start;
  return report;
}

function post(url: URL, body: Uint8Array, agent: Agent): Promise<{ status: number; retryAfter: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The value at quantile `q` (0..1). */
export function percentile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * q))] ?? 0;
}
