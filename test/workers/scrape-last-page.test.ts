import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.ts';
import { workerOf } from '../../src/workers/split.ts';
import type { WorkerPool } from '../../src/workers/worker-pool.ts';
import { postGaugePoints } from '../helpers/otlp-json-request.ts';
import { startPooledGateway, type PooledGateway } from '../helpers/pooled-gateway.ts';

let pool: WorkerPool;
let gateway: Gateway;
let pooled: PooledGateway;

beforeAll(async () => {
  pooled = await startPooledGateway(() => `receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:0" }
exporters:
  prometheus: { endpoint: "127.0.0.1:0" }
service:
  admin: { endpoint: "127.0.0.1:0" }
  pipelines:
    metrics: { receivers: [otlp], exporters: [prometheus] }
`);
  ({ pool, gateway } = pooled);
}, 60_000);
afterAll(() => pooled?.stop());

/** The merged page's status and its gauge.points samples. */
async function scrape(): Promise<{ status: number; points: number; text: string }> {
  const res = await fetch(`http://${gateway.endpoints().prometheus}/metrics`);
  const text = await res.text();
  return { status: res.status, points: [...text.matchAll(/^gauge_points\{/gm)].length, text };
}

describe('the merged scrape page of switchyard run --workers 2', () => {
  it('serves the last whole page while a worker restarts (never a 503), until its successor serves its own part', async () => {
    expect(await postGaugePoints(gateway.endpoints()['otlp.http']!, 5, 'a')).toBe(200);
    expect(await scrape()).toMatchObject({ status: 200, points: 5 });

    const victim = workerOf({ 'service.name': 'e2e' }, 2);
    await pool.terminate(victim);
    const during: { status: number; points: number; text: string }[] = [];
    const running = () => (pool.details().workers as { index: number; state: string }[])[victim]!.state === 'running';
    const until = Date.now() + 30_000;
    while (!running() && Date.now() < until) during.push(await scrape());
    expect(running()).toBe(true);
    expect(during.length).toBeGreaterThan(0); // scraped while it restarted
    for (const s of during) expect(s.status, s.text).toBe(200);
    // Until its successor's pipelines run, the last whole page, with the dead worker's series; then the
    // successor's own part (its exporter starts empty, as after a restart of the single process).
    expect(during[0]!.points).toBe(5);
  }, 60_000);
});
