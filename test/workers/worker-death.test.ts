import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.ts';
import { workerOf } from '../../src/workers/split.ts';
import type { WorkerPool, WorkerStatus } from '../../src/workers/worker-pool.ts';
import { postGaugePoints } from '../helpers/otlp-json-request.ts';
import { startPooledGateway, type PooledGateway } from '../helpers/pooled-gateway.ts';
import { eventually } from '../helpers/prometheus-server.ts';
import { remoteWriteReceiver, type ReceivedRequest, type RemoteWriteReceiver } from '../helpers/remote-write-receiver.ts';

let backendUp = false;
const accepted: ReceivedRequest[] = [];
let backend: RemoteWriteReceiver;
let pooled: PooledGateway;
let pool: WorkerPool;
let gateway: Gateway;

beforeAll(async () => {
  // Remote-write answers 503 until the test says otherwise: what the gateway acknowledged waits on disk.
  backend = await remoteWriteReceiver((req) => (backendUp ? (accepted.push(req), { status: 204 }) : { status: 503 }));
  pooled = await startPooledGateway((path) => `receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:0" }
exporters:
  prometheusremotewrite:
    endpoint: "${backend.url}"
    batch_send_deadline: 50ms
    retry_on_failure: { initial_interval: 100ms, max_interval: 300ms, max_elapsed_time: 0s }
    sending_queue: { storage: { directory: "${path('queue')}" } }
service:
  admin: { endpoint: "127.0.0.1:0" }
  pipelines:
    metrics: { receivers: [otlp], exporters: [prometheusremotewrite] }
`);
  ({ pool, gateway } = pooled);
}, 60_000);
afterAll(async () => {
  await pooled?.stop();
  await backend?.close();
});

/**
 * `/health/detailed`, and whether it says ready (200). Not its `status`: until the test brings the
 * backend up, the remote-write exporter reports the 503s it gets (`degraded`), a ready gateway all the same.
 */
async function detailed(): Promise<{ ready: boolean; workers: WorkerStatus[] }> {
  const res = await fetch(`http://${gateway.endpoints().admin}/health/detailed`);
  return { ...((await res.json()) as { workers: WorkerStatus[] }), ready: res.status === 200 };
}

/** Distinct `point` labels the backend received. */
const delivered = () => new Set(accepted.flatMap((r) => r.series.map((s) => s.labels.point)));

describe('a worker that dies (switchyard run --workers 2)', () => {
  it('is restarted and reported in /health/detailed, and loses nothing it acknowledged to a persistent queue', async () => {
    const otlp = gateway.endpoints()['otlp.http']!;
    for (let tag = 0; tag < 3; tag++) expect(await postGaugePoints(otlp, 10, tag)).toBe(200);
    expect(delivered().size).toBe(0);

    const victim = workerOf({ 'service.name': 'e2e' }, 2);
    await pool.terminate(victim);
    const restarted = await eventually(async () => {
      const d = await detailed();
      const w = d.workers[victim]!;
      return w.restarts === 1 && w.state === 'running' && d.ready ? d : undefined;
    }, 30_000, 'the worker restarted and the gateway ready again');
    expect(restarted.workers[victim]!.last_exit).toMatchObject({ code: 1 });
    expect(restarted.workers[1 - victim]!.restarts).toBe(0);

    // Its successor takes new data, and resends what its predecessor had queued once the backend is up.
    expect(await postGaugePoints(otlp, 10, 3)).toBe(200);
    backendUp = true;
    const all = Array.from({ length: 4 }, (_, tag) => Array.from({ length: 10 }, (_, i) => `${tag}-${i}`)).flat();
    await eventually(async () => (all.every((p) => delivered().has(p)) ? true : undefined), 30_000, 'all 40 points at the backend');
  }, 90_000);

  it('answers a request in flight to a dying worker with success or a retryable status (429/503), never an error that drops it', async () => {
    const otlp = gateway.endpoints()['otlp.http']!;
    const victim = workerOf({ 'service.name': 'e2e' }, 2);
    const before = (await detailed()).workers[victim]!.restarts;
    const [status] = await Promise.all([postGaugePoints(otlp, 2000, 'inflight'), pool.terminate(victim)]);
    expect([200, 429, 503]).toContain(status);
    await eventually(async () => ((await detailed()).workers[victim]!.restarts === before + 1 && (await detailed()).ready ? true : undefined), 30_000, 'restarted again');
  }, 60_000);
});
