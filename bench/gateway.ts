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
import { decodeMetricsProto } from '../receivers/otlp/decode/index.ts';
import { pipelineHostConfig } from '../test/helpers/pipeline-gateway.ts';
import { benchRequest, protobufjsMetricsRequest, rate, type Row } from './decode.ts';
import { prompterRequest } from './prompter-request.ts';

const CONFIG = `receivers:
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
const COLLECTOR_PROCESSORS_CONFIG = CONFIG.replace('exporters:\n', 'processors:\n  memory_limiter: { check_interval: 1s, limit_mib: 2048 }\n  batch: {}\nexporters:\n').replace(
  'receivers: [otlp], exporters',
  'receivers: [otlp], processors: [memory_limiter, batch], exporters',
);

/** One OTLP/HTTP protobuf POST; resolves with the status. */
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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

interface Body {
  proto: Uint8Array;
  points: number;
}

/**
 * Runs `config` in process and measures `requests` sequential posts of `body`; then checks that the
 * scrape has `expectSeries` (a pipeline that dropped everything would look fast).
 */
export async function measureGateway(config: string, label: string, { proto, points }: Body, requests = 60, expectSeries?: string): Promise<{ pointsPerSecond: number; msPerRequest: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
  writeFileSync(join(dir, 'gateway.yaml'), config);
  const gateway = new Gateway({ configFile: join(dir, 'gateway.yaml'), registry: builtinRegistry(), logger: pino({ level: 'silent' }) });
  await gateway.start();
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const url = new URL(`http://${gateway.endpoints()['otlp.http']}/v1/metrics`);
    for (let i = 0; i < 10; i++) await post(url, proto, agent); // warm-up: JIT and the exporter's series state
    const times: number[] = [];
    const start = performance.now();
    for (let i = 0; i < requests; i++) {
      const t0 = performance.now();
      const status = await post(url, proto, agent);
      if (status !== 200) throw new Error(`${label}: the gateway answered ${status}`);
      times.push(performance.now() - t0);
    }
    const seconds = (performance.now() - start) / 1000;
    if (expectSeries) {
      const text = await (await fetch(`http://${gateway.endpoints().prometheus}/metrics`)).text();
      if (!text.includes(`\n${expectSeries}{`)) throw new Error(`${label}: no ${expectSeries} series on the scrape`);
    }
    return { pointsPerSecond: (requests * points) / seconds, msPerRequest: median(times) };
  } finally {
    agent.destroy();
    await gateway.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Median milliseconds our decoder takes on `body`, after a warm-up. */
function decodeMs(body: Body): number {
  const times: number[] = [];
  for (let i = 0; i < 60; i++) {
    const t0 = performance.now();
    decodeMetricsProto(body.proto);
    times.push(performance.now() - t0);
  }
  return median(times.slice(10));
}

export async function benchGateway(): Promise<Row[]> {
  const bench = await benchRequest();
  const benchDecodeMs = decodeMs(bench);
  const Request = protobufjsMetricsRequest();
  const protobufjsRate = rate(() => Request.decode(bench.proto)) * bench.points;
  const whole = await measureGateway(CONFIG, 'otlp → prometheus', bench);
  const collectorProcessors = await measureGateway(COLLECTOR_PROCESSORS_CONFIG, 'otlp → memory_limiter, batch → prometheus', bench);

  // The shipped Prometheus pipeline, loaded as the gateway loads it, on what the Prompter sends.
  const prompter = await prompterRequest();
  const prompterDecodeRate = prompter.points / (decodeMs(prompter) / 1000);
  const bare = await measureGateway(CONFIG, 'otlp → prometheus (Prompter request)', prompter, 100);
  const shipped = await measureGateway(pipelineHostConfig('pipelines/prompter-prometheus.yaml'), 'otlp → pipelines/prompter-prometheus.yaml → prometheus', prompter, 100, 'starlette_requests_total');

  const benchDecodeRate = bench.points / (benchDecodeMs / 1000);
  return [
    {
      name: 'whole gateway: OTLP/HTTP protobuf → pipeline → prometheus state',
      value: Math.round(whole.pointsPerSecond),
      unit: 'points/s',
      note: `${(benchDecodeRate / whole.pointsPerSecond).toFixed(2)}× slower than our decode alone; ${(whole.pointsPerSecond / protobufjsRate).toFixed(2)}× the protobufjs decode rate (${Math.round(protobufjsRate).toLocaleString('en-US')} points/s, decode only)`,
    },
    {
      name: 'the same with processors: [memory_limiter, batch] (Collector defaults: 8192 items, 200ms)',
      value: Math.round(collectorProcessors.pointsPerSecond),
      unit: 'points/s',
      note: `${(collectorProcessors.pointsPerSecond / whole.pointsPerSecond).toFixed(2)}× the bare gateway's rate; each request holds over 8192 points, so it is sent at once (smaller ones wait up to 200 ms for company)`,
    },
    {
      name: `pipelines/prompter-prometheus.yaml (memory_limiter, prefer ×2, attributes ×2, rename ×2, cardinality, ratio), Prompter-shaped request of ${prompter.points.toLocaleString('en-US')} points`,
      value: Math.round(shipped.pointsPerSecond),
      unit: 'points/s',
      note: `${(prompterDecodeRate / shipped.pointsPerSecond).toFixed(2)}× slower than decoding that request alone (${Math.round(prompterDecodeRate).toLocaleString('en-US')} points/s); ${(bare.pointsPerSecond / shipped.pointsPerSecond).toFixed(2)}× slower than the bare gateway on it`,
    },
    { name: 'one 10,000-point request end to end (median)', value: Number(whole.msPerRequest.toFixed(2)), unit: 'ms', note: `decode alone ${benchDecodeMs.toFixed(2)} ms; the gateway adds ${(whole.msPerRequest - benchDecodeMs).toFixed(2)} ms` },
  ];
}
