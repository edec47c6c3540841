import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withOrigin } from '../../src/consumer/origin.ts';
import type { Gateway } from '../../src/gateway.ts';
import type { MetricsBatch } from '../../src/model/metrics.ts';
import { workerOf } from '../../src/workers/split.ts';
import type { WorkerPool } from '../../src/workers/worker-pool.ts';
import { eventually } from '../helpers/prometheus-server.ts';
import { startPooledGateway, type PooledGateway } from '../helpers/pooled-gateway.ts';

/*
 * Origins under `--workers 2` (src/consumer/origin.ts): a batch the main thread forwards under an origin
 * is consumed by its worker under that origin, and a receiver's lost origins reach every worker, whose
 * stateful stages (cardinality, the prometheus exporter) forget what they built from them. The batches
 * go in through the pool's consumers for receiver `otlp`, as a receiver in the main thread hands them.
 */
let pool: WorkerPool;
let gateway: Gateway;
let pooled: PooledGateway;

beforeAll(async () => {
  pooled = await startPooledGateway(() => `receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:0" }
processors:
  cardinality: { max_series_per_metric: 100 }
exporters:
  prometheus: { endpoint: "127.0.0.1:0" }
service:
  admin: { endpoint: "127.0.0.1:0" }
  pipelines:
    metrics: { receivers: [otlp], processors: [cardinality], exporters: [prometheus] }
`);
  ({ pool, gateway } = pooled);
}, 60_000);
afterAll(() => pooled?.stop());

const T = 1_700_000_000e9;
const batch = (service: string): MetricsBatch => ({
  resourceMetrics: [
    {
      resource: { attributes: { 'service.name': service } },
      schemaUrl: '',
      scopeMetrics: [{ scope: { name: '', version: '', attributes: {} }, schemaUrl: '', metrics: [{ name: 'c', description: '', unit: '', type: 'sum', temporality: 'cumulative', monotonic: true, points: [{ attributes: {}, startTimeUnixNano: T, timeUnixNano: T + 1e9, flags: 0, value: 3 }] }] }],
    },
  ],
});

/** The services (`job`) of the merged page's `c_total` series. */
async function jobs(): Promise<string[]> {
  const text = await fetch(`http://${gateway.endpoints().prometheus}/metrics`).then((r) => r.text());
  return text.split('\n').filter((l) => l.startsWith('c_total{')).map((l) => /job="([^"]+)"/.exec(l)![1]!).sort();
}

describe('origins under switchyard run --workers 2', () => {
  it('cross to the workers with each batch, and a lost origin\'s series leave every worker', async () => {
    // Each origin's services on both workers, so both must see the origin and the loss.
    const [x, y] = [['s0', 's1'], ['s2', 's3']];
    expect(new Set(x.map((s) => workerOf({ 'service.name': s }, 2))).size).toBe(2);
    expect(new Set(y.map((s) => workerOf({ 'service.name': s }, 2))).size).toBe(2);
    const metrics = pool.forward('otlp', ['metrics']).metrics!;
    for (const s of x) await withOrigin('p0', () => metrics.consumeMetrics(batch(s)));
    for (const s of y) await withOrigin('p1', () => metrics.consumeMetrics(batch(s)));
    await metrics.consumeMetrics(batch('none'));
    expect(await jobs()).toEqual(['none', 's0', 's1', 's2', 's3']);

    pool.originsLost('otlp', ['p1']);
    await eventually(async () => (JSON.stringify(await jobs()) === JSON.stringify(['none', 's0', 's1']) ? true : undefined), 10_000, 'p1\'s series gone from both workers');
    // An origin no receiver of theirs lost changes nothing.
    pool.originsLost('otlp', ['p9']);
    expect(await jobs()).toEqual(['none', 's0', 's1']);
  }, 60_000);
});
