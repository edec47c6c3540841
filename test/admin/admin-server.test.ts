import { spawnSync } from 'node:child_process';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { AdminServer } from '../../src/admin/server.ts';
import { HealthRegistry } from '../../src/pipeline/health.ts';
import { componentTelemetry } from '../../src/telemetry/component-telemetry.ts';
import { SelfMetrics } from '../../src/telemetry/self-metrics.ts';
import { hasChromium, launchChromium } from '../helpers/chromium.ts';
import { serveAdmin } from '../helpers/serve-admin.ts';

const health = new HealthRegistry();
const selfMetrics = new SelfMetrics();
const receiver = health.track('otlp', 'receiver', ['metrics', 'traces']);
const exporter = health.track('prometheusremotewrite', 'exporter', ['metrics']);
const admin = new AdminServer({
  endpoint: '127.0.0.1:0',
  version: '9.9.9',
  startedAt: new Date(Date.now() - 5_000),
  health: () => health.all(),
  ready: () => health.ready(),
  selfMetrics,
  logger: pino({ level: 'silent' }),
  configFiles: () => ['/etc/switchyard/gateway.yaml'],
});
const { url } = serveAdmin(admin);

async function get(path: string) {
  const res = await fetch(url(path));
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

describe('admin server', () => {
  it('is live at once but not ready until every component runs', async () => {
    expect((await get('/health/live')).status).toBe(200);
    const notReady = await get('/health/ready');
    expect(notReady.status).toBe(503);
    expect(JSON.parse(notReady.text).waiting).toEqual(['receiver otlp: created', 'exporter prometheusremotewrite: created']);
    receiver.setState('running');
    exporter.setState('running');
    expect((await get('/health/ready')).status).toBe(200);
  });

  it('answers /health with status, version and uptime', async () => {
    const body = JSON.parse((await get('/health')).text) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'ok', version: '9.9.9' });
    expect(body.uptime_seconds).toBeGreaterThanOrEqual(5);
  });

  it('shows each component’s state, last error and details in /health/detailed', async () => {
    exporter.reportError(new Error('remote write answered 503: overloaded'));
    exporter.setDetail('queue_samples', 1234);
    const body = JSON.parse((await get('/health/detailed')).text) as { config_files: string[]; components: { id: string; state: string; lastError: { message: string } | null; details: Record<string, unknown> }[] };
    expect(body.config_files).toEqual(['/etc/switchyard/gateway.yaml']);
    const rw = body.components.find((c) => c.id === 'prometheusremotewrite')!;
    expect(rw).toMatchObject({ state: 'running', lastError: { message: 'remote write answered 503: overloaded' }, details: { queue_samples: 1234 } });
    expect(body).toMatchObject({ status: 'degraded' });
  });

  it('stays ready while a running component reports an error, and names it: one backend failing stops no other', async () => {
    exporter.reportError(new Error('DataDog API key check failed: 403 Forbidden'));
    const ready = await get('/health/ready');
    expect([ready.status, JSON.parse(ready.text)]).toEqual([200, { status: 'ready', degraded: ['exporter prometheusremotewrite: DataDog API key check failed: 403 Forbidden'] }]);
    exporter.reportOk();
    expect(JSON.parse((await get('/health/ready')).text)).toEqual({ status: 'ready' });
    expect(JSON.parse((await get('/health/detailed')).text)).toMatchObject({ status: 'ok' });
    exporter.reportError(new Error('remote write answered 503: overloaded')); // as the status page test expects it
  });

  it('serves the gateway’s own metrics, which promtool check metrics accepts', async () => {
    const t = componentTelemetry(selfMetrics, 'otlp');
    t.accepted('metrics', 'grpc', 10);
    t.refused('metrics', 'http', 2, 'malformed');
    const res = await get('/metrics');
    expect(res.text).toContain('switchyard_receiver_accepted_points_total{component="otlp",signal="metrics",transport="grpc"} 10');
    expect(res.text).toContain('switchyard_receiver_refused_points_total{component="otlp",signal="metrics",transport="http",reason="malformed"} 2');
    expect(res.text).toMatch(/switchyard_process_resident_memory_bytes \d+/);
    expect(res.text).toMatch(/switchyard_process_cpu_seconds_total \d+/);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: res.text, encoding: 'utf8' });
    expect(`${check.stdout}${check.stderr}`).toBe('');
    expect(check.status).toBe(0);
  });

  it('serves /status.json: every component with its state, last error and counters', async () => {
    const res = await get('/status.json');
    expect([res.status, res.type]).toEqual([200, 'application/json']);
    const doc = JSON.parse(res.text) as { status: string; version: string; pipelines: unknown[]; components: { id: string; lastError: { message: string } | null; counts: Record<string, number> }[] };
    expect(doc).toMatchObject({ status: 'degraded', version: '9.9.9', pipelines: [] });
    expect(doc.components.find((c) => c.id === 'otlp')!.counts).toMatchObject({ accepted: 10, refused: 2 });
    expect(doc.components.find((c) => c.id === 'prometheusremotewrite')!.lastError!.message).toBe('remote write answered 503: overloaded');
  });

  it.skipIf(!hasChromium)('renders a status page that a person can read in a real browser', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 500 } });
      await page.goto(url('/'));
      expect(await page.title()).toBe('Switchyard status');
      await expect.poll(() => page.locator('#status').innerText()).toBe('degraded');
      const rows = await page.locator('#exporters tbody tr').allInnerTexts();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toContain('prometheusremotewrite');
      expect(rows[0]).toContain('remote write answered 503: overloaded');
    } finally {
      await browser.close();
    }
  });
});
