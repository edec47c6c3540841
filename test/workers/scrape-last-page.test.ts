import { writeFileSync } from 'node:fs';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinRegistry } from '../../src/components.ts';
import { Gateway } from '../../src/gateway.ts';
import { workerOf } from '../../src/workers/split.ts';
import { WorkerPool } from '../../src/workers/worker-pool.ts';
import { postGaugePoints } from '../helpers/otlp-json-request.ts';
import { tempFiles } from '../helpers/temp-files.ts';

let files: ReturnType<typeof tempFiles>;
let pool: WorkerPool;
let gateway: Gateway;

beforeAll(async () => {
  files = tempFiles({});
  writeFileSync(
    files.path('gateway.yaml'),
    `receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:0" }
exporters:
  prometheus: { endpoint: "127.0.0.1:0" }
service:
  admin: { endpoint: "127.0.0.1:0" }
  pipelines:
    metrics: { receivers: [otlp], exporters: [prometheus] }
`,
  );
  const logger = pino({ level: 'silent' });
  pool = new WorkerPool({ configFile: files.path('gateway.yaml'), count: 2, logger });
  gateway = new Gateway({ configFile: files.path('gateway.yaml'), registry: builtinRegistry(), logger, host: pool });
  await gateway.start();
}, 60_000);
afterAll(async () => {
  await gateway?.shutdown();
  files?.cleanup();
});

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
