import { credentials, makeGenericClientConstructor, type ServiceError } from '@grpc/grpc-js';
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { sdkMetricsBodies, sdkTraceBodies } from '../helpers/sdk-bodies.ts';
import { startGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { tempFiles } from '../helpers/temp-files.ts';
import { malformedGrpc, malformedHttp, validRequest, type GrpcCase, type HttpCase, type Templates } from './malformed-bodies.ts';

/** What a fuzz run found; a clean run has every list empty and `validLanded === validSent`. */
export interface FuzzReport {
  httpSent: number;
  grpcSent: number;
  statuses: Record<string, number>;
  /** Answers outside the allowed set (a 5xx other than the memory limiter's 503, a wrong gRPC code). */
  bad: string[];
  /** Requests with no answer within the timeout. */
  hangs: string[];
  /** The gateway process exited during the run. */
  crashed: boolean;
  /** Lines the gateway logged at error level about a request (the 500 path). */
  unexpectedErrors: string[];
  validSent: number;
  validLanded: number;
  heapBaselineMiB: number;
  heapAfterMiB: number;
  seconds: number;
}

const ALLOWED_HTTP = new Set([200, 400, 408, 413, 415, 429]);
/** gRPC: OK, INVALID_ARGUMENT, RESOURCE_EXHAUSTED (grpc-js's size limit), UNAVAILABLE (the memory limiter). */
const ALLOWED_GRPC = new Set([0, 3, 8, 14]);
const TIMEOUT_MS = 20_000;
const METHOD = {
  metrics: ['MetricsService', '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export'],
  traces: ['TraceService', '/opentelemetry.proto.collector.trace.v1.TraceService/Export'],
  logs: ['LogsService', '/opentelemetry.proto.collector.logs.v1.LogsService/Export'],
} as const;

async function templates(): Promise<Templates> {
  const m = await sdkMetricsBodies();
  const t = await sdkTraceBodies();
  return { metricsProto: m.proto, metricsJson: m.json, tracesProto: t.proto, tracesJson: t.json };
}

/** A gateway with OTLP over HTTP and gRPC, the memory limiter, the prometheus exporter (counts what lands) and a log file for spans and logs. */
async function fuzzGateway(): Promise<{ gw: GatewayProcess; cleanup: () => Promise<void> }> {
  const t = tempFiles({});
  writeFileSync(
    t.path('gateway.yaml'),
    `receivers:
  otlp:
    protocols:
      # max_queue_delay 0s: never shed. A process starved by a loaded machine would shed with 503
      # (seen once in 20,000 cases on a 2-core VM at load 12), which is backpressure, not a malformed
      # body's 5xx; shedding is tested by test/e2e/overload.test.ts.
      http: { endpoint: "127.0.0.1:0", max_queue_delay: 0s }
      grpc: { endpoint: "127.0.0.1:0", max_queue_delay: 0s }
processors:
  memory_limiter: { check_interval: 1s, limit_percentage: 80, spike_limit_percentage: 20 }
exporters:
  prometheus: { endpoint: "127.0.0.1:0", metric_expiration: 24h }   # a full run lasts longer than the default 5m
  log: { path: ${t.path('out.jsonl')} }
service:
  admin: { endpoint: "127.0.0.1:0" }
  pipelines:
    metrics: { receivers: [otlp], processors: [memory_limiter], exporters: [prometheus] }
    traces: { receivers: [otlp], processors: [memory_limiter], exporters: [log] }
    logs: { receivers: [otlp], processors: [memory_limiter], exporters: [log] }
`,
  );
  const gw = await startGateway(t.path('gateway.yaml'));
  return {
    gw,
    cleanup: async () => {
      await gw.stop();
      t.cleanup();
    },
  };
}

async function heapMiB(admin: string): Promise<number> {
  const text = await (await fetch(`http://${admin}/metrics`)).text();
  const m = /^switchyard_nodejs_heap_size_used_bytes (\S+)/m.exec(text);
  return m ? Math.round(Number(m[1]) / 1048576) : Number.NaN;
}

/** Runs `fn` over `count` indexes, `concurrency` at a time. */
async function pool(count: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) await fn(next++);
  }));
}

/**
 * Sends `httpCount` generated malformed OTLP/HTTP requests and `grpcCount` gRPC ones (fast-check, seed
 * `seed`: a finding replays), one valid request after every `validEvery` malformed HTTP ones, to a
 * running gateway, and reports what came back.
 */
export async function fuzzGatewayRun(options: { seed: number; httpCount: number; grpcCount: number; validEvery?: number; concurrency?: number }): Promise<FuzzReport> {
  const { seed, httpCount, grpcCount, validEvery = 25, concurrency = 8 } = options;
  const started = Date.now();
  const tpl = await templates();
  const { gw, cleanup } = await fuzzGateway();
  const report: FuzzReport = { httpSent: 0, grpcSent: 0, statuses: {}, bad: [], hangs: [], crashed: false, unexpectedErrors: [], validSent: 0, validLanded: 0, heapBaselineMiB: 0, heapAfterMiB: 0, seconds: 0 };
  const count = (key: string) => (report.statuses[key] = (report.statuses[key] ?? 0) + 1);
  try {
    const http = `http://${gw.endpoints['otlp.http']}`;
    report.heapBaselineMiB = await heapMiB(gw.endpoints.admin!);

    const sendValid = async () => {
      const n = report.validSent++;
      for (let attempt = 0; attempt < 60; attempt++) {
        const res = await fetch(`${http}/v1/metrics`, { method: 'POST', body: validRequest(n), headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(TIMEOUT_MS) });
        await res.arrayBuffer();
        if (res.status === 200) return;
        if (res.status !== 503 && res.status !== 429) {
          report.bad.push(`valid request ${n} answered ${res.status}`);
          return;
        }
        await new Promise((r) => setTimeout(r, 1_000 * Number(res.headers.get('retry-after') ?? 1)));
      }
      report.bad.push(`valid request ${n} never accepted`);
    };

    const sendHttp = async (c: HttpCase, index: number) => {
      const headers: Record<string, string> = {};
      if (c.contentType) headers['content-type'] = c.contentType;
      if (c.contentEncoding) headers['content-encoding'] = c.contentEncoding;
      try {
        const res = await fetch(`${http}${c.path}`, { method: 'POST', body: c.body as BodyInit, headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
        const text = Buffer.from(await res.arrayBuffer()).toString('latin1');
        count(`http ${res.status}`);
        const memoryLimiter = res.status === 503 && /memory/i.test(text);
        if (!ALLOWED_HTTP.has(res.status) && !memoryLimiter) report.bad.push(`http case ${index} (${c.kind}, ${c.path}, ${c.contentType}) answered ${res.status}: ${text.slice(0, 200)}`);
      } catch (error) {
        const e = error as Error;
        if (e.name === 'TimeoutError') report.hangs.push(`http case ${index} (${c.kind}) had no answer within ${TIMEOUT_MS} ms`);
        else count(`http connection ${(e.cause as { code?: string } | undefined)?.code ?? e.message}`);
      }
      report.httpSent++;
      if (report.httpSent % validEvery === 0) await sendValid();
    };

    // Cases are drawn in chunks (fc.sample with seed + chunk), so a run of 100,000 never holds them all.
    const CHUNK = 2_000;
    const httpArb = malformedHttp(tpl);
    for (let from = 0; from < httpCount; from += CHUNK) {
      const cases = fc.sample(httpArb, { seed: seed + from, numRuns: Math.min(CHUNK, httpCount - from) });
      await pool(cases.length, concurrency, (i) => sendHttp(cases[i]!, from + i));
      if (gw.child.exitCode !== null || gw.child.signalCode !== null) break;
    }

    const clients = Object.fromEntries(
      Object.entries(METHOD).map(([signal, [service, path]]) => {
        const id = (b: Buffer) => b;
        const Client = makeGenericClientConstructor({ Export: { path, requestStream: false, responseStream: false, requestSerialize: id, requestDeserialize: id, responseSerialize: id, responseDeserialize: id } }, service);
        return [signal, new Client(gw.endpoints['otlp.grpc']!, credentials.createInsecure())];
      }),
    ) as Record<GrpcCase['signal'], InstanceType<ReturnType<typeof makeGenericClientConstructor>>>;
    const sendGrpc = (c: GrpcCase, index: number) =>
      new Promise<void>((resolve) => {
        (clients[c.signal] as unknown as { Export(b: Buffer, o: { deadline: number }, cb: (e: ServiceError | null) => void): void }).Export(Buffer.from(c.body), { deadline: Date.now() + TIMEOUT_MS }, (error) => {
          const code = error?.code ?? 0;
          count(`grpc ${code}`);
          if (code === 4) report.hangs.push(`grpc case ${index} (${c.kind}) had no answer within ${TIMEOUT_MS} ms`);
          else if (!ALLOWED_GRPC.has(code) || (code === 14 && !/memory/i.test(error?.details ?? ''))) report.bad.push(`grpc case ${index} (${c.kind}, ${c.signal}) answered ${code}: ${error?.details ?? ''}`);
          report.grpcSent++;
          resolve();
        });
      });
    const grpcArb = malformedGrpc(tpl);
    for (let from = 0; from < grpcCount; from += CHUNK) {
      const cases = fc.sample(grpcArb, { seed: seed + 1_000_003 + from, numRuns: Math.min(CHUNK, grpcCount - from) });
      await pool(cases.length, concurrency, (i) => sendGrpc(cases[i]!, from + i));
    }
    for (const c of Object.values(clients)) c.close();

    report.crashed = gw.child.exitCode !== null || gw.child.signalCode !== null;
    if (!report.crashed) {
      const scrape = await (await fetch(`http://${gw.endpoints.prometheus}/metrics`)).text();
      report.validLanded = scrape.split('\n').filter((l) => l.startsWith('fuzz_valid_total{')).length;
      // The heap comes back once V8 collects: wait for it (up to 30 s) rather than a fixed sleep.
      for (let i = 0; i < 30; i++) {
        report.heapAfterMiB = await heapMiB(gw.endpoints.admin!);
        if (report.heapAfterMiB <= report.heapBaselineMiB * 1.5 + 32) break;
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
    report.unexpectedErrors = gw.logs.filter((l) => l.level === 'error' || l.level === 'fatal').map((l) => `${String(l.msg)} ${JSON.stringify(l.err ?? '')}`.slice(0, 400)).slice(0, 10);
  } finally {
    await cleanup();
  }
  report.seconds = Math.round((Date.now() - started) / 1000);
  return report;
}
