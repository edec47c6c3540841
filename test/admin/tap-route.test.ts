import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { AdminServer } from '../../src/admin/server.ts';
import { tap } from '../../src/cli/tap.ts';
import { HealthRegistry } from '../../src/pipeline/health.ts';
import { TapRegistry } from '../../src/pipeline/tap.ts';
import { SelfMetrics } from '../../src/telemetry/self-metrics.ts';
import { WorkerTapSource } from '../../src/workers/merged-taps.ts';
import type { WorkerRequest } from '../../src/workers/protocol.ts';
import { WorkerTaps } from '../../src/workers/worker-taps.ts';
import { serveAdmin } from '../helpers/serve-admin.ts';

/**
 * `--workers N` as the admin port sees it: one worker whose tap registry has one place (`before e` of
 * pipeline `metrics`), which runs while `running` is true (false: all workers down, restarting).
 */
function workerTaps() {
  const registry = new TapRegistry();
  registry.site('metrics', ['before e'], { consumeMetrics: async () => undefined });
  const state = { running: true };
  let source: WorkerTapSource;
  const worker = new WorkerTaps(() => registry, (m) => source.receive(0, m));
  const request = async (_i: number, m: WorkerRequest): Promise<unknown> => {
    if (m.type === 'tap-list') return registry.list();
    if (m.type === 'tap-attach') return worker.attach(m.tap, m.where, m.options);
    if (m.type === 'tap-detach') return worker.detach(m.tap);
    return undefined;
  };
  source = new WorkerTapSource({ running: () => (state.running ? [0] : []), request });
  return { state, source };
}

const health = new HealthRegistry();
const { state, source } = workerTaps();
const admin = new AdminServer({
  endpoint: '127.0.0.1:0',
  version: '9.9.9',
  startedAt: new Date(),
  health: () => health.all(),
  ready: () => health.ready(),
  selfMetrics: new SelfMetrics({ processMetrics: false }),
  logger: pino({ level: 'silent' }),
  configFiles: () => [],
  taps: () => source,
});
const { url } = serveAdmin(admin);

async function get(path: string) {
  const res = await fetch(url(path));
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { error?: string; sites?: Record<string, string[]> } };
}

describe('GET /tap with --workers N', () => {
  it('answers 400, naming the problem, for a place that does not exist while workers run', async () => {
    state.running = true;
    const r = await get('/tap?pipeline=metrics&after=nope&limit=1');
    expect(r.status).toBe(400);
    expect(r.body.error).toContain('pipeline "metrics" has no place "after nope"');
  });

  it('answers 503 with Retry-After, not 400, when no worker runs (a start or a restart): the request was right, retrying helps', async () => {
    state.running = false;
    try {
      const attach = await get('/tap?pipeline=metrics&before=e&limit=1');
      expect([attach.status, attach.retryAfter]).toEqual([503, '1']);
      expect(attach.body.error).toBe('no worker is running (starting or restarting); try again');
      const list = await get('/tap');
      expect([list.status, list.retryAfter]).toEqual([503, '1']);
      expect(list.body.error).toBe('no worker is running (starting or restarting); try again');
    } finally {
      state.running = true;
    }
  });

  it('lists the places again once a worker runs', async () => {
    state.running = true;
    const r = await get('/tap');
    expect(r.status).toBe(200);
    expect(r.body.sites).toEqual({ metrics: ['before e'] });
  });

  it('is waited for by switchyard tap, which says so once and goes on when a worker runs again', async () => {
    state.running = false;
    const out: string[] = [];
    const err: string[] = [];
    const listing = tap(['--admin', url('')], { write: (t: string) => out.push(t) }, { write: (t: string) => err.push(t) });
    await new Promise((resolve) => setTimeout(resolve, 300));
    state.running = true;
    expect(await listing).toBe(0);
    expect(err).toEqual(['waiting: no worker is running (starting or restarting); try again\n']);
    expect(out.join('')).toBe('metrics\n  before e\n');
  });
});
