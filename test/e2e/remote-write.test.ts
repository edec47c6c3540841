import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FREE_PORTS_ENV } from '../helpers/free-ports-env.ts';
import { startGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { find, parseExposition } from '../helpers/prom-text.ts';
import { eventually, startPrometheus, type PrometheusServer } from '../helpers/prometheus-server.ts';
import { sdkService, type ExportedPoint } from '../helpers/sdk-service.ts';
import { tempFiles } from '../helpers/temp-files.ts';

let prometheus: PrometheusServer;
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  prometheus = await startPrometheus({ flags: ['--web.enable-remote-write-receiver'] });
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await prometheus?.close();
});

function config(storage?: string): string {
  return `receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:0" }
exporters:
  prometheusremotewrite:
    endpoint: "${prometheus.url}/api/v1/write"
    batch_send_deadline: 100ms
    external_labels: { cluster: e2e }
    retry_on_failure: { initial_interval: 200ms, max_interval: 1s, max_elapsed_time: 0s }
${storage ? `    sending_queue: { storage: { directory: "${storage}" } }\n` : ''}service:
  admin: { endpoint: "127.0.0.1:0" }
  pipelines:
    metrics: { receivers: [otlp], exporters: [prometheusremotewrite] }
`;
}

async function gatewayWith(yaml: string): Promise<GatewayProcess> {
  const t = tempFiles({ 'gateway.yaml': yaml });
  cleanups.push(t.cleanup);
  const gw = await startGateway(t.path('gateway.yaml'));
  cleanups.push(() => gw.stop());
  return gw;
}

/** A service sending through the real SDK; `flush` exports now and resolves with the HTTP outcome. */
function service(gw: GatewayProcess, name: string) {
  return sdkService(gw.endpoints['otlp.http']!, name);
}

async function valueOf(promql: string): Promise<number | undefined> {
  const r = await prometheus.query(promql);
  return r.length === 1 ? Number(r[0]!.value[1]) : undefined;
}

/** Every raw sample Prometheus holds for one series over the last 10 minutes, in time order. */
async function samplesOf(selector: string): Promise<{ value: number; timeMs: number }[]> {
  const res = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(`${selector}[10m]`)}`);
  const body = (await res.json()) as { data: { result: { values: [number, string][] }[] } };
  if (body.data.result.length > 1) throw new Error(`${selector} matches ${body.data.result.length} series`);
  return (body.data.result[0]?.values ?? []).map(([t, v]) => ({ value: Number(v), timeMs: t * 1000 }));
}

/** Waits until Prometheus holds one sample per exported point of `metric`: the same values at the same times. */
async function expectAllArrived(exported: ExportedPoint[], metric: string, selector: string): Promise<void> {
  const want = exported.filter((p) => p.metric === metric);
  const got = await eventually(() => samplesOf(selector).then((s) => (s.length >= want.length ? s : undefined)), 30_000, `${want.length} samples of ${selector}`);
  expect(got.map((s) => s.value)).toEqual(want.map((p) => p.value));
  got.forEach((s, i) => expect(Math.abs(s.timeMs - want[i]!.timeMs)).toBeLessThanOrEqual(1));
}

/** The remote-write queue as on-call sees it: /health/detailed and the admin /metrics. */
async function queueAge(gw: GatewayProcess): Promise<{ detailed: number; metric: number; items: number }> {
  const detailed = (await (await fetch(`http://${gw.endpoints.admin}/health/detailed`)).json()) as { components: { id: string; details: Record<string, number> }[] };
  const details = detailed.components.find((c) => c.id === 'prometheusremotewrite')!.details;
  const metrics = await (await fetch(`http://${gw.endpoints.admin}/metrics`)).text();
  const metric = /^switchyard_exporter_queue_oldest_age_seconds\{component="prometheusremotewrite"\} (\S+)$/m.exec(metrics);
  return { detailed: details.queue_oldest_age_seconds!, metric: Number(metric?.[1]), items: details.queue_items! };
}

describe('prometheusremotewrite exporter against a real Prometheus', () => {
  it('writes counters, gauges and histograms that Prometheus answers queries on, histogram_quantile included', async () => {
    const gw = await gatewayWith(config());
    const svc = service(gw, 'rw-basic');
    const requests = svc.meter.createCounter('rw.requests');
    const queue = svc.meter.createUpDownCounter('rw.queue.depth');
    const latency = svc.meter.createHistogram('rw.latency', { unit: 's', advice: { explicitBucketBoundaries: [0.1, 0.5, 1, 5] } });
    requests.add(7, { route: '/a' });
    queue.add(4);
    for (const v of [0.05, 0.2, 0.3, 0.4, 0.7, 0.8, 2, 3, 4, 4.5]) latency.record(v);
    await svc.flush();
    requests.add(3, { route: '/a' });
    await svc.flush();
    await svc.shutdown();

    expect(await eventually(() => valueOf('rw_requests_total{job="rw-basic",route="/a",cluster="e2e"}').then((v) => (v === 10 ? v : undefined)), 20_000, 'counter at 10')).toBe(10);
    expect(await valueOf('rw_queue_depth{job="rw-basic"}')).toBe(4);
    expect(await valueOf('rw_latency_seconds_count{job="rw-basic"}')).toBe(10);
    expect(await valueOf('rw_latency_seconds_bucket{job="rw-basic",le="0.5"}')).toBe(4);
    // 10 observations: the 5th and 6th (p50) fall in the (0.5, 1] bucket; linear interpolation in it.
    const p50 = await valueOf('histogram_quantile(0.5, rw_latency_seconds_bucket{job="rw-basic"})');
    expect(p50).toBeGreaterThan(0.5);
    expect(p50).toBeLessThanOrEqual(1);
    expect(await valueOf('target_info{job="rw-basic",deployment_environment_name="e2e"}')).toBe(1);
  });

  it('is switched on in the shipped config/gateway.yaml by PROMETHEUS_REMOTE_WRITE_URL alone', async () => {
    const queueDir = mkdtempSync(join(tmpdir(), 'switchyard-queue-'));
    cleanups.push(() => rmSync(queueDir, { recursive: true, force: true }));
    const gw = await startGateway('config/gateway.yaml', { ...FREE_PORTS_ENV, PROMETHEUS_REMOTE_WRITE_URL: `${prometheus.url}/api/v1/write`, SWITCHYARD_QUEUE_DIR: queueDir, SWITCHYARD_LOG_PATH: 'stderr' });
    cleanups.push(() => gw.stop());
    const svc = service(gw, 'rw-shipped');
    svc.meter.createCounter('rw.shipped.events').add(5);
    await svc.flush();
    await svc.shutdown();
    expect(await eventually(() => valueOf('rw_shipped_events_total{job="rw-shipped"}'), 20_000, 'sample from the shipped config')).toBe(5);
    // Both Prometheus exporters of the shipped config give the series the same labels.
    const [written] = await prometheus.query('rw_shipped_events_total{job="rw-shipped"}');
    const scraped = find(parseExposition(await (await fetch(`http://${gw.endpoints.prometheus}/metrics`)).text()), 'rw_shipped_events_total', { job: 'rw-shipped' });
    expect(scraped).toHaveLength(1);
    expect(Object.keys(written!.metric).sort()).toEqual(['__name__', ...Object.keys(scraped[0]!.labels)].sort());
  });

  it('stays off in the shipped config without PROMETHEUS_REMOTE_WRITE_URL, saying so once in each pipeline that names it', async () => {
    const gw = await startGateway('config/gateway.yaml', { ...FREE_PORTS_ENV, PROMETHEUS_REMOTE_WRITE_URL: '' });
    cleanups.push(() => gw.stop());
    const said = gw.logs.filter((l) => String(l.msg).startsWith('Exporter prometheusremotewrite is off')).map((l) => l.msg);
    expect(said.sort()).toEqual(['Exporter prometheusremotewrite is off in pipeline metrics/host: its endpoint is empty.', 'Exporter prometheusremotewrite is off in pipeline metrics/prometheus: its endpoint is empty.']);
  });

  it('loses no sample while Prometheus is down for 30 s, and reports the growing age of what waits', async () => {
    const gw = await gatewayWith(config());
    const svc = service(gw, 'rw-outage');
    const counter = svc.meter.createCounter('rw.outage.events');
    counter.add(1);
    await svc.flush();
    await eventually(() => valueOf('rw_outage_events_total{job="rw-outage"}'), 20_000, 'first sample');

    await prometheus.stop();
    const outageStart = Date.now();
    let firstWaiting: number | undefined;
    while (Date.now() - outageStart < 30_000) {
      counter.add(1);
      await svc.flush();
      firstWaiting ??= Date.now();
      const before = await queueAge(gw);
      await new Promise((r) => setTimeout(r, 1_000)); // one export a second, as a service would
      const after = await queueAge(gw);
      // Nothing entered or left the queue between the two reads: the age is computed when read.
      expect(after.detailed - before.detailed).toBeGreaterThanOrEqual(0.5);
      expect(after.metric - before.metric).toBeGreaterThanOrEqual(0.5);
    }
    // The oldest sample not delivered is the first one of the outage, retried all along.
    const age = await queueAge(gw);
    const expected = (Date.now() - firstWaiting!) / 1000;
    expect(age.detailed).toBeGreaterThanOrEqual(expected - 1.5);
    expect(age.metric).toBeGreaterThanOrEqual(expected - 1.5);
    expect(age.items).toBeGreaterThanOrEqual(25);
    await prometheus.restart();
    await svc.shutdown();

    // Every exported value at its own timestamp, exactly once: one lost sample fails this.
    await expectAllArrived(svc.exported, 'rw.outage.events', 'rw_outage_events_total{job="rw-outage"}');
    // And the queue drains: nothing waits, so nothing has an age.
    expect(await eventually(() => queueAge(gw).then((a) => (a.items === 0 ? a : undefined)), 10_000, 'queue drained')).toMatchObject({ detailed: 0, metric: 0 });
  }, 120_000);

  it('delivers after a SIGKILL every sample accepted with a 200, from a persistent queue ending in a torn record', async () => {
    const storage = mkdtempSync(join(tmpdir(), 'switchyard-queue-'));
    cleanups.push(() => rmSync(storage, { recursive: true, force: true }));
    const t = tempFiles({ 'gateway.yaml': config(storage) });
    cleanups.push(t.cleanup);
    let gw = await startGateway(t.path('gateway.yaml'));

    await prometheus.stop();
    const svc = service(gw, 'rw-crash');
    const counter = svc.meter.createCounter('rw.crash.events');
    for (let i = 0; i < 5; i++) {
      counter.add(2);
      await svc.flush();
    }
    expect(svc.exported.filter((p) => p.metric === 'rw.crash.events').map((p) => p.value)).toEqual([2, 4, 6, 8, 10]);
    gw.child.kill('SIGKILL');
    await new Promise((r) => gw.child.once('exit', r));
    // A crash in the middle of the next append: a header promising 64 bytes, 5 of them written.
    // The last segment that holds data (with --workers N, in the directory of the worker the service went to).
    const segment = readdirSync(storage, { recursive: true })
      .map(String)
      .filter((f) => basename(f).startsWith('seg-') && statSync(join(storage, f)).size > 0)
      .sort((a, b) => (basename(a) < basename(b) ? -1 : 1))
      .at(-1)!;
    appendFileSync(join(storage, segment), Buffer.from([64, 0, 0, 0, 9, 9, 9, 9, 1, 2, 3, 4, 5]));

    await prometheus.restart();
    gw = await startGateway(t.path('gateway.yaml'));
    cleanups.push(() => gw.stop());
    await gw.waitForLog((l) => l.msg === 'Resending batches left in the persistent queue.');
    await expectAllArrived(svc.exported, 'rw.crash.events', 'rw_crash_events_total{job="rw-crash"}');
    const selfMetrics = await (await fetch(`http://${gw.endpoints.admin}/metrics`)).text();
    expect(selfMetrics).toContain('switchyard_exporter_failed_points_total{component="prometheusremotewrite",signal="metrics",reason="torn_record"} 1');
    expect(gw.logs.some((l) => l.msg === 'Cut off a torn record at the end of the persistent queue (a crash mid-write).')).toBe(true);
    await svc.shutdown().catch(() => undefined);
  }, 90_000);
});

/** A scrape target serving one counter and one histogram, as a prometheus_client app would. */
async function target(): Promise<string> {
  const page = '# TYPE app_events_total counter\napp_events_total 7\n# TYPE app_latency_seconds histogram\napp_latency_seconds_bucket{le="1"} 1\napp_latency_seconds_bucket{le="+Inf"} 2\napp_latency_seconds_sum 3\napp_latency_seconds_count 2\n';
  const server: Server = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(page));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
  return `127.0.0.1:${(server.address() as { port: number }).port}`;
}

function scrapeConfig(targets: string[]): string {
  return `receivers:
  prometheus:
    config:
      scrape_configs:
        - job_name: scraped-app
          scrape_interval: 1s
          static_configs: [{ targets: [${targets.map((t) => `"${t}"`).join(', ')}] }]
exporters:
  prometheusremotewrite:
    endpoint: "${prometheus.url}/api/v1/write"
    batch_send_deadline: 100ms
service:
  admin: { endpoint: "127.0.0.1:0" }
  pipelines:
    metrics: { receivers: [prometheus], exporters: [prometheusremotewrite] }
`;
}

/** The instances of the scrape job's series of `metric` (the file's other tests write to the same Prometheus). */
const instances = async (metric: string) => (await prometheus.query(`${metric}{job="scraped-app"}`)).map((r) => r.metric.instance).sort();

describe('a scrape target removed by a reload, at a real Prometheus fed by remote write', () => {
  it('is stale right after the SIGHUP (instant queries return nothing for it), while the kept target goes on', async () => {
    const [kept, removed] = [await target(), await target()];
    const files = tempFiles({ 'gateway.yaml': scrapeConfig([kept, removed]) });
    cleanups.push(files.cleanup);
    const gw = await startGateway(files.path('gateway.yaml'));
    cleanups.push(() => gw.stop());
    const both = [kept, removed].sort();
    for (const q of ['app_events_total', 'app_latency_seconds_bucket', 'up', 'target_info']) {
      await eventually(async () => ([...new Set(await instances(q))].join() === both.join() ? true : undefined), 20_000, `${q} of both targets`);
    }

    writeFileSync(files.path('gateway.yaml'), scrapeConfig([kept]));
    gw.child.kill('SIGHUP');
    await gw.waitForLog((l) => l.msg === 'Configuration reloaded.');
    // Within seconds, not after Prometheus's 5-minute lookback: every series of the removed target ended.
    for (const q of ['app_events_total', 'app_latency_seconds_bucket', 'app_latency_seconds_sum', 'app_latency_seconds_count', 'up', 'scrape_duration_seconds', 'target_info']) {
      await eventually(async () => (!(await instances(q)).includes(removed) ? true : undefined), 10_000, `${q} of the removed target ended`);
      expect(await instances(q), q).toContain(kept);
    }
    // Its samples are there (it was written, then ended), and the kept target's counter was never reset.
    expect(Number((await prometheus.query(`count_over_time(app_events_total{instance="${removed}"}[5m])`))[0]?.value[1])).toBeGreaterThan(0);
    expect(Number((await prometheus.query(`resets(app_events_total{instance="${kept}"}[5m])`))[0]?.value[1])).toBe(0);
  });
});
