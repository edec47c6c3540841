/**
 * Throughput of the whole gateway on one 10,000-point OTLP protobuf request: HTTP receive → decode →
 * pipeline → the Prometheus exporter's state, in process, over real HTTP on loopback with keep-alive.
 * Also the time one request takes end to end against decoding alone (what the gateway adds), and the
 * shipped pipelines/prompter-prometheus.yaml on a Prompter-shaped request against decoding that request.
 */
import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { builtinRegistry } from '../src/components.ts';
import { Gateway } from '../src/gateway.ts';
import { decodeMetricsProto } from '../src/otlp/decode/index.ts';
import { pipelineHostConfig } from '../test/helpers/pipeline-gateway.ts';
import { benchRequest, collectGarbage, cpuMs, protobufjsMetricsRequest, rate, type Row } from './decode.ts';
import { prompterRequest } from './prompter-request.ts';

export const GATEWAY_CONFIG = `receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:0" }
exporters:
  prometheus: { endpoint: "127.0.0.1:0" }
service:
  admin: { endpoint: "127.0.0.1:0" }
  pipelines:
    metrics: { receivers: [otlp], exporters: [prometheus] }
`;

/** The same with the processors operators copy from Collector configs, at their usual settings. */
const COLLECTOR_PROCESSORS_CONFIG = GATEWAY_CONFIG.replace('exporters:\n', 'processors:\n  memory_limiter: { check_interval: 1s, limit_mib: 2048 }\n  batch: {}\nexporters:\n').replace(
  'receivers: [otlp], exporters',
  'receivers: [otlp], processors: [memory_limiter, batch], exporters',
);

/** Posts one OTLP protobuf body; resolves with the status once the answer is read. */
export function post(url: URL, body: Uint8Array, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The value at quantile `q` (0..1) of `xs`. */
export function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * q))]!;
}

interface Body {
  proto: Uint8Array;
  points: number;
}

export interface GatewayFigures {
  /** Points per CPU-second of this process (gateway and the client posting to it). */
  pointsPerCpuSecond: number;
  /** Wall-clock milliseconds of one request, end to end. */
  p50Ms: number;
  p99Ms: number;
}

/**
 * Runs `config` in process and measures `requests` sequential posts of `body`; then checks that the
 * scrape has `expectSeries` (a pipeline that dropped everything would look fast).
 */
export async function measureGateway(config: string, label: string, { proto, points }: Body, requests = 60, expectSeries?: string): Promise<GatewayFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
  writeFileSync(join(dir, 'gateway.yaml'), config);
  const gateway = new Gateway({ configFile: join(dir, 'gateway.yaml'), registry: builtinRegistry(), logger: pino({ level: 'silent' }) });
  await gateway.start();
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const url = new URL(`http://${gateway.endpoints()['otlp.http']}/v1/metrics`);
    for (let i = 0; i < 10; i++) await post(url, proto, agent); // warm-up: JIT and the exporter's series state
    collectGarbage();
    const times: number[] = [];
    const cpuStart = cpuMs();
    for (let i = 0; i < requests; i++) {
      const t0 = performance.now();
      const status = await post(url, proto, agent);
      if (status !== 200) throw new Error(`${label}: the gateway answered ${status}`);
      times.push(performance.now() - t0);
    }
    const cpuSeconds = (cpuMs() - cpuStart) / 1000;
    if (expectSeries) {
      const text = await (await fetch(`http://${gateway.endpoints().prometheus}/metrics`)).text();
      if (!text.includes(`\n${expectSeries}{`)) throw new Error(`${label}: no ${expectSeries} series on the scrape`);
    }
    return { pointsPerCpuSecond: (requests * points) / cpuSeconds, p50Ms: quantile(times, 0.5), p99Ms: quantile(times, 0.99) };
  } finally {
    agent.destroy();
    await gateway.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Our decoder on `body`, after a warm-up: median wall milliseconds, and points per CPU-second. */
function decodeFigures(body: Body): { ms: number; pointsPerCpuSecond: number } {
  const times: number[] = [];
  for (let i = 0; i < 60; i++) {
    const t0 = performance.now();
    decodeMetricsProto(body.proto);
    times.push(performance.now() - t0);
  }
  return { ms: quantile(times.slice(10), 0.5), pointsPerCpuSecond: rate(() => decodeMetricsProto(body.proto)) * body.points };
}

export async function benchGateway(): Promise<Row[]> {
  const bench = await benchRequest();
  const benchDecode = decodeFigures(bench);
  const Request = protobufjsMetricsRequest();
  const protobufjsRate = rate(() => Request.decode(bench.proto)) * bench.points;
  const whole = await measureGateway(GATEWAY_CONFIG, 'otlp → prometheus', bench, 200);
  const collectorProcessors = await measureGateway(COLLECTOR_PROCESSORS_CONFIG, 'otlp → memory_limiter, batch → prometheus', bench);

  // The shipped Prometheus pipeline, loaded as the gateway loads it, on what the Prompter sends.
  const prompter = await prompterRequest();
  const prompterDecodeRate = decodeFigures(prompter).pointsPerCpuSecond;
  const bare = await measureGateway(GATEWAY_CONFIG, 'otlp → prometheus (Prompter request)', prompter, 300);
  const shipped = await measureGateway(pipelineHostConfig('pipelines/prompter-prometheus.yaml'), 'otlp → pipelines/prompter-prometheus.yaml → prometheus', prompter, 300, 'starlette_requests_total');

  const of = (a: number, b: number) => `${(a / b).toFixed(3)}× our decode-only rate (${Math.round(b).toLocaleString('en-US')} points per CPU-second)`;
  return [
    {
      name: 'whole gateway: OTLP/HTTP protobuf → pipeline → prometheus state',
      key: 'gateway_points_per_cpu_second',
      value: Math.round(whole.pointsPerCpuSecond),
      unit: 'points/CPU-s',
      ratio: whole.pointsPerCpuSecond / benchDecode.pointsPerCpuSecond,
      note: `${of(whole.pointsPerCpuSecond, benchDecode.pointsPerCpuSecond)} (target ≥ 0.5×); ${(whole.pointsPerCpuSecond / protobufjsRate).toFixed(2)}× the protobufjs decode rate (${Math.round(protobufjsRate).toLocaleString('en-US')}, decode only)`,
    },
    {
      name: 'the same with processors: [memory_limiter, batch] (Collector defaults: 8192 items, 200ms)',
      key: 'gateway_collector_processors_points_per_cpu_second',
      value: Math.round(collectorProcessors.pointsPerCpuSecond),
      unit: 'points/CPU-s',
      ratio: collectorProcessors.pointsPerCpuSecond / whole.pointsPerCpuSecond,
      note: `${(collectorProcessors.pointsPerCpuSecond / whole.pointsPerCpuSecond).toFixed(2)}× the bare gateway's rate; each request holds over 8192 points, so it is sent at once (smaller ones wait up to 200 ms for company)`,
    },
    {
      name: `pipelines/prompter-prometheus.yaml (memory_limiter, prefer ×2, attributes ×2, rename ×2, cardinality, ratio), Prompter-shaped request of ${prompter.points.toLocaleString('en-US')} points`,
      key: 'prompter_pipeline_points_per_cpu_second',
      value: Math.round(shipped.pointsPerCpuSecond),
      unit: 'points/CPU-s',
      ratio: shipped.pointsPerCpuSecond / prompterDecodeRate,
      note: `${of(shipped.pointsPerCpuSecond, prompterDecodeRate)} (target ≥ 0.25×); ${(bare.pointsPerCpuSecond / shipped.pointsPerCpuSecond).toFixed(2)}× slower than the bare gateway on it`,
    },
    {
      name: 'one 10,000-point request end to end, p50 (wall clock)',
      key: 'request_10k_p50_ms',
      value: Number(whole.p50Ms.toFixed(2)),
      unit: 'ms',
      note: `decode alone ${benchDecode.ms.toFixed(2)} ms; the gateway adds ${(whole.p50Ms - benchDecode.ms).toFixed(2)} ms (target ≤ 10 ms)`,
    },
    {
      name: 'one 10,000-point request end to end, p99 (wall clock)',
      key: 'request_10k_p99_ms',
      value: Number(whole.p99Ms.toFixed(2)),
      unit: 'ms',
      note: `the gateway adds ${(whole.p99Ms - benchDecode.ms).toFixed(2)} ms over the median decode`,
    },
  ];
}
