import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type GatewayProcess } from '../../helpers/gateway-process.ts';
import { startNatsServer, type NatsServer } from '../../helpers/nats-server.ts';
import { eventually } from '../../helpers/prometheus-server.ts';
import { tempFiles } from '../../helpers/temp-files.ts';

/*
 * A real nats-server -js between a producing gateway (otlp → nats exporter) and consuming gateways
 * (nats receiver → log exporter to a file, one JSON line per point). Points are tagged per round, so
 * counting a round's lines across every consumer's file counts what arrived, duplicates included.
 */
const PARTITIONS = 4;
const t = tempFiles({});
let nats: NatsServer;
let producer: GatewayProcess;
const running: GatewayProcess[] = [];

const stream = `metrics: { stream: FLEET_TEST, subject_prefix: fleet.metrics }
    partition_count: ${PARTITIONS}`;

const producerConfig = (url: string) => `receivers:
  otlp: { protocols: { http: { endpoint: "127.0.0.1:0" } } }
exporters:
  nats:
    url: "${url}"
    ${stream}
    batch_send_deadline: 50ms
    retry_on_failure: { initial_interval: 100ms, max_interval: 500ms, max_elapsed_time: 0s }
service:
  admin: { endpoint: "127.0.0.1:0" }
  pipelines:
    metrics: { receivers: [otlp], exporters: [nats] }
`;

const consumerConfig = (url: string, partitions: number[], out: string) => `receivers:
  nats:
    url: "${url}"
    ${stream}
    partitions: [${partitions.join(', ')}]
exporters:
  log: { path: "${out}" }
service:
  admin: { endpoint: "127.0.0.1:0" }
  pipelines:
    metrics: { receivers: [nats], exporters: [log] }
`;

let files = 0;
async function consumer(partitions: number[]): Promise<{ gateway: GatewayProcess; out: string }> {
  const n = ++files;
  const out = t.path(`out-${n}.jsonl`);
  const file = t.path(`consumer-${n}.yaml`);
  writeFileSync(file, consumerConfig(nats.url, partitions, out));
  const gateway = await startGateway(file);
  running.push(gateway);
  return { gateway, out };
}

/** `points` gauge points tagged `<round>-<i>`, in requests of `perRequest`. */
async function send(round: string, points: number, perRequest = points): Promise<void> {
  await sendFrom(round, 0, points, perRequest);
}

/** Points `from` … `to - 1` of `round`, `perRequest` to a request. */
async function sendFrom(round: string, from: number, points: number, perRequest: number): Promise<void> {
  for (let start = from; start < points; start += perRequest) {
    const dataPoints = Array.from({ length: Math.min(perRequest, points - start) }, (_, j) => ({ asDouble: 1, timeUnixNano: String(Date.now() * 1e6), attributes: [{ key: 'point', value: { stringValue: `${round}-${start + j}` } }] }));
    const body = JSON.stringify({ resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'nats-e2e' } }] }, scopeMetrics: [{ metrics: [{ name: 'fleet.points', gauge: { dataPoints } }] }] }] });
    const res = await fetch(`http://${producer.endpoints['otlp.http']}/v1/metrics`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    await res.arrayBuffer();
    expect(res.status).toBe(200);
  }
}

/** How many times each point of `round` appears across `outs`. */
function seen(round: string, outs: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const out of outs) {
    if (!existsSync(out)) continue;
    for (const line of readFileSync(out, 'utf8').split('\n')) {
      const m = new RegExp(`"(${round}-\\d+)"`).exec(line);
      if (m) counts.set(m[1]!, (counts.get(m[1]!) ?? 0) + 1);
    }
  }
  return counts;
}

async function exactlyOnce(round: string, points: number, outs: string[]): Promise<void> {
  await eventually(async () => (seen(round, outs).size === points ? true : undefined), 30_000, `all ${points} points of ${round}`);
  // Long enough for a redelivery (a duplicate) to show up.
  await new Promise((r) => setTimeout(r, 1500));
  const counts = seen(round, outs);
  expect(counts.size).toBe(points);
  expect([...counts.values()].every((c) => c === 1)).toBe(true);
}

beforeAll(async () => {
  nats = await startNatsServer();
  const file = t.path('producer.yaml');
  writeFileSync(file, producerConfig(nats.url));
  producer = await startGateway(file);
}, 60_000);

afterAll(async () => {
  await Promise.all(running.map((g) => g.stop()));
  await producer?.stop();
  await nats?.close();
  t.cleanup();
});

describe('nats exporter and receiver over a real JetStream', () => {
  const allFiles: string[] = [];

  it('delivers every point once, and after a receiver restart resumes where it acknowledged', async () => {
    const first = await consumer([0, 1, 2, 3]);
    allFiles.push(first.out);
    await send('r1', 200);
    await exactlyOnce('r1', 200, [first.out]);
    await first.gateway.stop();
    // Published while nobody consumes: JetStream keeps them for the durable consumers.
    await send('r2', 200, 20);
    const again = await consumer([0, 1, 2, 3]);
    allFiles.push(again.out);
    await exactlyOnce('r2', 200, allFiles);
    expect(seen('r1', [again.out]).size).toBe(0);
  }, 90_000);

  it('hands a stopped receiver\'s partitions to a replacement, losing and double-counting nothing', async () => {
    await running.at(-1)!.stop();
    const a = await consumer([0, 1]);
    const b = await consumer([2, 3]);
    allFiles.push(a.out, b.out);
    // Half while both consume, half after the second stopped: its partitions wait for the replacement.
    await send('r3', 500, 25);
    await eventually(async () => (seen('r3', [b.out]).size > 0 ? true : undefined), 30_000, 'the second receiver consuming');
    await b.gateway.stop();
    await sendFrom('r3', 500, 1000, 25);
    const replacement = await consumer([2, 3]);
    allFiles.push(replacement.out);
    await exactlyOnce('r3', 1000, allFiles);
    expect(seen('r3', [replacement.out]).size).toBeGreaterThan(0);
    expect(seen('r3', [a.out]).size).toBeGreaterThan(0);
  }, 120_000);
});
