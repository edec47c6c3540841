import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import client from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ddTag } from '../../exporters/datadog/tags.ts';
import { startDatadogIntake, type DatadogIntake } from '../helpers/datadog-intake.ts';
import { FREE_PORTS_ENV } from '../helpers/free-ports-env.ts';
import { startPythonSeedApp, type PythonSeedApp } from '../helpers/python-seed-app.ts';
import { startGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { find, parseExposition } from '../helpers/prom-text.ts';
import { eventually, startPrometheus, type PrometheusServer } from '../helpers/prometheus-server.ts';
import { sdkService } from '../helpers/sdk-service.ts';
import { SEED_LABELS } from '../helpers/seed-labels.ts';

/**
 * pipelines/prompter-scrape.yaml end to end: a real prom-client app exposing seed 001's metrics on
 * /metrics and the seed's own kind of app (Python's prometheus_client, served by generate_latest), both
 * scraped by the gateway, beside an OTLP service (the real OpenTelemetry SDK); a real Prometheus scrapes
 * the gateway's :8889 and must see all three with the seed's names and label sets, and the apps'
 * restarts (their counters back to zero) must give no negative rate and no double count. The
 * same metrics reach a DataDog intake stand-in under the DataDog dashboard's names, with the OTLP
 * service's tag keys. Without SWITCHYARD_SCRAPE_TARGETS the pipelines are off.
 */

/** The seed's series both kinds of service have here. */
const NAMES = ['starlette_requests_total', 'starlette_requests_processing_seconds_bucket', 'starlette_requests_processing_seconds_count', 'prompter_probe_attempts_total', 'prompter_probe_failures_total', 'prompter_db_unique_violation_total'];

/** The DataDog dashboard's names both services have here (besides the ratios made from them). */
const DD_NAMES = ['prompter.http.requests', 'prompter.http.latency', 'prompter.probe.attempts', 'prompter.probe.failures', 'prompter.db.unique_violation'];

const SCRAPED = 'prompter-legacy';
const PYTHON = 'prompter-python';
const OTLP = 'prompter-api';

interface SeedApp {
  port: number;
  probe(ok: boolean): void;
  close(): Promise<void>;
}

/** Seed 001's module as a Node app would write it with prom-client: its own service and env labels. */
async function startSeedApp(port: number, format: 'openmetrics' | 'text'): Promise<SeedApp> {
  const registry = new client.Registry<client.RegistryContentType>();
  if (format === 'openmetrics') registry.setContentType(client.Registry.OPENMETRICS_CONTENT_TYPE);
  client.collectDefaultMetrics({ register: registry }); // process_* and nodejs_*: the pipeline keeps them out
  const base = { service: SCRAPED, env: 'e2e' };
  const requests = new client.Counter({ name: 'starlette_requests_total', help: 'Total HTTP requests', labelNames: ['service', 'env', 'method', 'route', 'status'], registers: [registry] });
  const latency = new client.Histogram({ name: 'starlette_requests_processing_seconds', help: 'Request latency', labelNames: ['service', 'env', 'method', 'route'], buckets: [0.05, 0.1, 0.5, 1], registers: [registry] });
  const attempts = new client.Counter({ name: 'prompter_probe_attempts_total', help: 'Probe attempts', labelNames: ['service', 'env', 'provider', 'model'], registers: [registry] });
  const failures = new client.Counter({ name: 'prompter_probe_failures_total', help: 'Probe failures', labelNames: ['service', 'env', 'provider', 'model'], registers: [registry] });
  const unique = new client.Counter({ name: 'prompter_db_unique_violation_total', help: 'Unique violations', labelNames: ['service', 'env', 'table'], registers: [registry] });
  requests.inc({ ...base, method: 'POST', route: '/api/prompt-templates', status: '201' }, 5);
  latency.observe({ ...base, method: 'POST', route: '/api/prompt-templates' }, 0.07);
  unique.inc({ ...base, table: 'prompt_templates' });
  failures.inc({ ...base, provider: 'openai', model: 'gpt-4o' }, 0);

  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    void registry.metrics().then((body) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(body));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    probe(ok) {
      attempts.inc({ ...base, provider: 'openai', model: 'gpt-4o' });
      if (!ok) failures.inc({ ...base, provider: 'openai', model: 'gpt-4o' });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

let app: SeedApp;
let py: PythonSeedApp;
let gateway: GatewayProcess;
let prometheus: PrometheusServer;
let intake: DatadogIntake;
let queueDir: string;

beforeAll(async () => {
  // Served as OpenMetrics (prom-client answers with it): after the restart below, as the 0.0.4 text format.
  app = await startSeedApp(0, 'openmetrics');
  for (let i = 0; i < 5; i++) app.probe(i !== 0);
  py = await startPythonSeedApp(PYTHON, 'e2e');
  for (let i = 0; i < 5; i++) await py.probe(i !== 0);
  intake = await startDatadogIntake(['scrape-key']);
  queueDir = mkdtempSync(join(tmpdir(), 'switchyard-scrape-e2e-'));
  gateway = await startGateway('config/gateway.yaml', {
    ...FREE_PORTS_ENV,
    DD_API_KEY: 'scrape-key',
    DD_URL: intake.url,
    SWITCHYARD_QUEUE_DIR: queueDir,
    SWITCHYARD_LOG_PATH: 'stderr',
    PROMETHEUS_REMOTE_WRITE_URL: '',
    SWITCHYARD_SCRAPE_TARGETS: `127.0.0.1:${app.port},127.0.0.1:${py.port}`,
    SWITCHYARD_SCRAPE_JOB: SCRAPED,
    SWITCHYARD_SCRAPE_INTERVAL: '1s',
  });
  const service = sdkService(gateway.endpoints['otlp.http']!, OTLP);
  const m = service.meter;
  m.createCounter('prompter.probe.attempts').add(2, { provider: 'openai', model: 'gpt-4o' });
  m.createCounter('prompter.probe.failures').add(1, { provider: 'openai', model: 'gpt-4o' });
  m.createCounter('prompter.db.unique_violations').add(1, { table: 'prompt_templates' });
  m.createHistogram('http.server.request.duration', { unit: 's' }).record(0.07, { 'http.request.method': 'POST', 'http.route': '/api/prompt-templates', 'http.response.status_code': 201 });
  await service.flush();
  await service.shutdown();
  prometheus = await startPrometheus({
    config: `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: switchyard\n    honor_labels: true\n    static_configs:\n      - targets: ["${gateway.endpoints.prometheus}"]\n`,
  });
}, 60_000);

afterAll(async () => {
  await prometheus?.close();
  await gateway?.stop();
  await app?.close();
  await py?.close();
  await intake?.close();
  if (queueDir) rmSync(queueDir, { recursive: true, force: true });
});

/** The counts DataDog received for `metric` of `service`, summed. */
const ddCount = (metric: string, service: string) =>
  intake.series.filter((s) => s.metric === metric && (s.tags ?? []).includes(ddTag('service', service))).reduce((n, s) => n + s.points.reduce((m, p) => m + p.value, 0), 0);

const labelNames = (metric: Record<string, string>) =>
  Object.keys(metric)
    .filter((k) => !['__name__', 'job', 'instance'].includes(k))
    .sort();

/**
 * Per metric name, what DataDog gets for one service: its type (0-3 for series, "sketch" for a
 * distribution) and its tag keys.
 */
function datadogShapes(service: string): Map<string, string> {
  const tag = ddTag('service', service);
  const out = new Map<string, string>();
  const add = (metric: string, type: string, tags: string[]) => out.set(metric, `${type} ${[...new Set(tags.map((t) => t.split(':')[0]))].sort().join(',')}`);
  for (const s of intake.series) if ((s.tags ?? []).includes(tag)) add(s.metric, String(s.type), s.tags ?? []);
  for (const s of intake.sketches) if (s.tags.includes(tag)) add(s.metric, 'sketch', s.tags);
  return out;
}

/** A scraped service reaches DataDog with exactly the OTLP service's names, types and tag keys. */
async function expectDatadogShapesOf(scraped: string): Promise<void> {
  const [otlp, sc] = await eventually(async () => {
    const o = datadogShapes(OTLP);
    const s = datadogShapes(scraped);
    return DD_NAMES.every((m) => o.has(m)) && [...o.keys()].every((m) => s.has(m)) ? [o, s] : undefined;
  }, 30_000, `every DataDog metric of the OTLP service for ${scraped} too`);
  for (const [metric, shape] of otlp) expect(sc.get(metric), `${metric} of ${scraped}`).toBe(shape);
  // Nothing under a name of its own: no OTLP-form or Prometheus-form name, no doubled prefix.
  expect([...sc.keys()].filter((m) => !otlp.has(m))).toEqual([]);
}

async function gatewaySamples() {
  return parseExposition(await (await fetch(`http://${gateway.endpoints.prometheus}/metrics`)).text());
}

describe('pipelines/prompter-scrape.yaml', () => {
  it('serves the scraped prom-client and prometheus_client apps and an OTLP service under the seed names, each with exactly the seed label set', async () => {
    for (const name of NAMES) {
      const expected = SEED_LABELS[name]!;
      const result = await eventually(async () => {
        const r = await prometheus.query(`${name}{service=~"${SCRAPED}|${PYTHON}|${OTLP}"}`);
        return new Set(r.map((s) => s.metric.service)).size === 3 ? r : undefined;
      }, 30_000, `${name} for the three services in Prometheus`);
      for (const s of result) expect(labelNames(s.metric), `${name} of ${s.metric.service}`).toEqual([...expected].sort());
    }
    // One `_total`, one name: nothing doubled or left in its OTLP form.
    const names = new Set((await gatewaySamples()).map((s) => s.name));
    expect([...names].filter((n) => /_total_total|^prompter_probe_attempts$|^starlette_requests$/.test(n))).toEqual([]);
    // The app's process_*/nodejs_* metrics stay out (metric_relabel_configs keep).
    expect([...names].filter((n) => /^(process|nodejs)_/.test(n))).toEqual([]);
    // prometheus_client's <name>_created gauges are start times, not series.
    expect([...names].filter((n) => n.endsWith('_created'))).toEqual([]);
    // Per target: up and the scrape's duration, with job and instance.
    const up = await prometheus.query(`up{job="${SCRAPED}"}`);
    expect(up.map((s) => [s.metric.instance, s.value[1]]).sort()).toEqual([[`127.0.0.1:${app.port}`, '1'], [`127.0.0.1:${py.port}`, '1']].sort());
    expect(await prometheus.query(`scrape_duration_seconds{job="${SCRAPED}"}`)).toHaveLength(2);
  });

  it('sends DataDog the scraped app’s metrics under the same names, types and tag keys as the OTLP service’s', async () => {
    await expectDatadogShapesOf(SCRAPED);
  });

  it('survives the apps restarting: stale while they are down, then no negative rate and no double count', async () => {
    const series = (service: string) => `prompter_probe_attempts_total{service="${service}"}`;
    for (const service of [SCRAPED, PYTHON]) await eventually(async () => ((await prometheus.query(series(service)))[0]?.value[1] === '5' ? true : undefined), 30_000, `attempts of ${service} = 5 in Prometheus`);
    // DataDog: prom-client writes no _created, so the first scrape's point starts after the gateway did
    // and its 5 count in full, once. prometheus_client's _created says its 5 were counted before the
    // gateway started: a baseline, not sent (both as the Collector's DataDog exporter does).
    await eventually(async () => (ddCount('prompter.probe.attempts', SCRAPED) === 5 ? true : undefined), 30_000, 'the scraped attempts at DataDog');
    const [nodePort, pythonPort] = [app.port, py.port];
    await app.close();
    await py.close();
    // Down: the gateway says up 0 and marks the apps' series stale, so it stops serving them.
    await eventually(async () => {
      const s = await gatewaySamples();
      const down = find(s, 'up', { job: SCRAPED }).every((u) => u.value === 0);
      return down && [SCRAPED, PYTHON].every((service) => find(s, 'prompter_probe_attempts_total', { service }).length === 0) ? true : undefined;
    }, 15_000, 'up 0 and stale series at the gateway');
    // Back on the same ports, counting from zero (prom-client now in the 0.0.4 text format).
    app = await startSeedApp(nodePort, 'text');
    for (let i = 0; i < 3; i++) app.probe(true);
    py = await startPythonSeedApp(PYTHON, 'e2e', pythonPort);
    for (let i = 0; i < 3; i++) await py.probe(true);
    for (const service of [SCRAPED, PYTHON]) await eventually(async () => ((await prometheus.query(series(service)))[0]?.value[1] === '3' ? true : undefined), 30_000, `attempts of ${service} = 3 in Prometheus after the restart`);
    await new Promise((r) => setTimeout(r, 2_000)); // a few more samples after the restart

    for (const service of [SCRAPED, PYTHON]) {
      // The raw samples: 5 until the restart, then 3; never above 5, never the sum of both lives.
      const raw = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(`${series(service)}[5m]`)}`).then((r) => r.json() as Promise<{ data: { result: { values: [number, string][] }[] } }>);
      const values = raw.data.result[0]!.values.map(([, v]) => Number(v));
      const distinct = values.filter((v, i) => i === 0 || v !== values[i - 1]);
      expect(distinct, service).toEqual([5, 3]);
      // Counted as Prometheus counts across a reset: 3 new attempts, none of the 5 again.
      let counted = 0;
      for (let i = 1; i < values.length; i++) counted += values[i]! >= values[i - 1]! ? values[i]! - values[i - 1]! : values[i]!;
      expect(counted, service).toBe(3);
      expect(await prometheus.query(`resets(${series(service)}[5m])`).then((r) => r[0]!.value[1]), service).toBe('1');
      const increase = Number((await prometheus.query(`increase(${series(service)}[5m])`))[0]!.value[1]);
      expect(increase, service).toBeGreaterThanOrEqual(3);
      expect(increase, service).toBeLessThan(5);
      expect(await prometheus.query(`rate(${series(service)}[5m]) < 0`)).toEqual([]);
    }
    // DataDog counts the 3 attempts after each restart, once: never the 5 again. prom-client's app: 8
    // in all; prometheus_client's: its new _created is after the gateway started, so its 3 in full.
    await eventually(async () => (ddCount('prompter.probe.attempts', SCRAPED) === 8 && ddCount('prompter.probe.attempts', PYTHON) === 3 ? true : undefined), 30_000, 'DataDog counts the 3 attempts after the restarts');
    await new Promise((r) => setTimeout(r, 1_500));
    expect(ddCount('prompter.probe.attempts', SCRAPED)).toBe(8);
    expect(ddCount('prompter.probe.attempts', PYTHON)).toBe(3);
    expect(ddCount('prompter.probe.attempts', OTLP)).toBe(2);
    // The prometheus_client app's series, counted now, under the OTLP service's names and tag keys too.
    await expectDatadogShapesOf(PYTHON);
    expect(intake.requests.filter((r) => r.status !== 202)).toEqual([]);
    // The OTLP service was never touched by any of this.
    expect((await prometheus.query(`prompter_probe_attempts_total{service="${OTLP}"}`))[0]!.value[1]).toBe('2');
  }, 90_000);

  it('is off while SWITCHYARD_SCRAPE_TARGETS is unset, and says so once per pipeline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-scrape-off-'));
    const env: NodeJS.ProcessEnv = { ...FREE_PORTS_ENV, DD_API_KEY: 'scrape-key', DD_URL: intake.url, SWITCHYARD_QUEUE_DIR: dir, SWITCHYARD_LOG_PATH: 'stderr', PROMETHEUS_REMOTE_WRITE_URL: '', SWITCHYARD_SCRAPE_JOB: SCRAPED };
    delete env.SWITCHYARD_SCRAPE_TARGETS;
    const off = await startGateway('config/gateway.yaml', env);
    try {
      const said = off.logs.map((l) => String(l.msg)).filter((m) => /scrape/.test(m));
      expect(said).toEqual(['Pipeline metrics/scrape is off: no scrape target is set.', 'Pipeline metrics/scrape-datadog is off: no scrape target is set.']);
      await new Promise((r) => setTimeout(r, 1_500));
      expect(find(parseExposition(await (await fetch(`http://${off.endpoints.prometheus}/metrics`)).text()), 'up', { job: SCRAPED })).toEqual([]);
    } finally {
      await off.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
