import { Agent, request } from 'node:http';
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
  statuses: Record<string, number>;
  okPoints: number;
  /** 429/503 answers that carried no Retry-After (the OTLP spec asks for one). */
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
  const report: LoadReport = { statuses: {}, okPoints: 0, throttledWithoutRetryAfter: 0, errors: {}, latenciesMs: [], elapsedMs: 0 };
  const url = new URL(o.url);
  const one = async (): Promise<void> => {
    const t0 = performance.now();
    try {
      const { status, retryAfter } = await post(url, o.body.proto, agent);
      report.statuses[status] = (report.statuses[status] ?? 0) + 1;
      if (status === 200) report.okPoints += o.body.points;
      if ((status === 429 || status === 503) && !retryAfter) report.throttledWithoutRetryAfter++;
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
  agent.destroy();
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
