/**
 * Throughput of the whole gateway on one 10,000-point OTLP protobuf request: HTTP receive → decode →
 * pipeline → the Prometheus exporter's state, in process, over real HTTP on loopback with keep-alive.
 * Also the time one request takes end to end against decoding alone (what the gateway adds).
 */
import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { builtinRegistry } from '../src/components.ts';
import { Gateway } from '../src/gateway.ts';
import { decodeMetricsProto } from '../receivers/otlp/decode/index.ts';
import { benchRequest, type Row } from './decode.ts';

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

function post(url: URL, body: Uint8Array, agent: Agent): Promise<number> {
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

/** Runs `config` in process and measures `requests` sequential posts of the bench body. */
export async function measureGateway(config: string, label: string, requests = 60): Promise<{ pointsPerSecond: number; msPerRequest: number; points: number }> {
  const { proto, points } = await benchRequest();
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
    return { pointsPerSecond: (requests * points) / seconds, msPerRequest: median(times), points };
  } finally {
    agent.destroy();
    await gateway.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The bench counters through the Prompter pipeline's stages: service/env labels, a regex rename, aggregation. */
const PROMPTER_CONFIG = `receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:0" }
processors:
  attributes/service-env:
    actions:
      - { key: service, from_resource: [service.name], action: upsert }
      - { key: env, from_resource: [deployment.environment.name, deployment.environment], action: upsert }
  rename/prometheus:
    labels: { http.request.method: method, http.route: route, http.response.status_code: status }
    metrics:
      - { match: "^prompter\\\\.bench\\\\.(.*)$", to: "prompter_bench_$1_total", aggregate_labels: [service, env, method, route, status, provider] }
exporters:
  prometheus: { endpoint: "127.0.0.1:0", scope_labels: false }
service:
  admin: { endpoint: "127.0.0.1:0" }
  pipelines:
    metrics: { receivers: [otlp], processors: [attributes/service-env, rename/prometheus], exporters: [prometheus] }
`;

export async function benchGateway(): Promise<Row[]> {
  const { proto, points } = await benchRequest();
  const decodeTimes: number[] = [];
  for (let i = 0; i < 60; i++) {
    const t0 = performance.now();
    decodeMetricsProto(proto);
    decodeTimes.push(performance.now() - t0);
  }
  const decodeMs = median(decodeTimes.slice(10));
  const whole = await measureGateway(CONFIG, 'otlp → prometheus');
  const prompter = await measureGateway(PROMPTER_CONFIG, 'otlp → prompter pipeline → prometheus');
  const decodeRate = points / (decodeMs / 1000);
  return [
    { name: 'whole gateway: OTLP/HTTP protobuf → pipeline → prometheus state', value: Math.round(whole.pointsPerSecond), unit: 'points/s', note: `${((points / (decodeMs / 1000)) / whole.pointsPerSecond).toFixed(2)}× slower than decode alone` },
    { name: 'prompter pipeline: OTLP/HTTP → attributes → rename (regex, aggregation) → prometheus state', value: Math.round(prompter.pointsPerSecond), unit: 'points/s', note: `${(decodeRate / prompter.pointsPerSecond).toFixed(2)}× slower than decode alone; ${(whole.pointsPerSecond / prompter.pointsPerSecond).toFixed(2)}× slower than the bare pipeline` },
    { name: 'one 10,000-point request end to end (median)', value: Number(whole.msPerRequest.toFixed(2)), unit: 'ms', note: `decode alone ${decodeMs.toFixed(2)} ms; the gateway adds ${(whole.msPerRequest - decodeMs).toFixed(2)} ms` },
  ];
}
