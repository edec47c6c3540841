import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDatadogIntake, type DatadogIntake } from '../helpers/datadog-intake.ts';
import { startDemoApp, type DemoApp } from '../helpers/demo-app.ts';
import { driveEveryDemoMetric } from '../helpers/demo-traffic.ts';
import { FREE_PORTS_ENV } from '../helpers/free-ports-env.ts';
import { REPO_ROOT, runCli, startGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { eventually } from '../helpers/prometheus-server.ts';

const KEY = 'check-dashboard-key';
const GRAFANA = 'config/dashboards/grafana-prompter-rollout.json';
const DATADOG = 'config/dashboards/datadog-prompter-rollout.json';

let dir: string;
let intake: DatadogIntake;
let gateway: GatewayProcess;
let app: DemoApp;
let scrape: string;
let capture: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-check-dashboard-'));
  intake = await startDatadogIntake([KEY]);
  gateway = await startGateway('config/gateway.yaml', { ...FREE_PORTS_ENV, DD_API_KEY: KEY, DD_URL: intake.url, SWITCHYARD_QUEUE_DIR: dir, SWITCHYARD_LOG_PATH: join(dir, 'log.jsonl'), PROMETHEUS_REMOTE_WRITE_URL: '' });
  app = await startDemoApp(gateway.endpoints['otlp.http']!, { OTEL_SERVICE_NAME: 'prompter-check', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=e2e' });
  await driveEveryDemoMetric(app);
  scrape = `http://${gateway.endpoints.prometheus}/metrics`;
  // The last metrics to arrive on each side: the Redis gauge, and the latency distributions (sketches).
  await eventually(async () => ((await (await fetch(scrape)).text()).includes('prompter_redis_up{') || undefined), 20_000, 'the demo’s metrics on the scrape');
  await eventually(async () => (['prompter.redis.up', 'prompter.http.error_ratio'].every((m) => intake.series.some((s) => s.metric === m)) && intake.sketches.some((s) => s.metric === 'prompter.ensure_version.latency')) || undefined, 20_000, 'the demo’s metrics at the DataDog intake');
  // What the gateway sent DataDog, as the capture the command reads: one request body per line.
  capture = join(dir, 'datadog-capture.jsonl');
  writeFileSync(capture, `${JSON.stringify({ series: intake.series })}\n${JSON.stringify({ sketches: intake.sketches })}\n`);
}, 90_000);

afterAll(async () => {
  await app?.stop();
  await gateway?.stop();
  await intake?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A copy of a shipped dashboard with `from` replaced by `to` everywhere. */
function variant(file: string, from: string, to: string): string {
  const text = readFileSync(join(REPO_ROOT, file), 'utf8');
  expect(text).toContain(from);
  const path = join(dir, `variant-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, text.replaceAll(from, to));
  return path;
}

describe('switchyard check-dashboard against a live gateway fed by the demo service', () => {
  it('passes the shipped Grafana dashboard: every metric and label it queries is on the gateway’s scrape', async () => {
    const r = await runCli(['check-dashboard', GRAFANA, '--scrape', scrape]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/grafana-prompter-rollout\.json: all \d+ queries read only what the gateway produces/);
    expect(r.code).toBe(0);
  });

  it('passes the shipped DataDog dashboard against what the gateway sent to DataDog', async () => {
    const r = await runCli(['check-dashboard', DATADOG, '--datadog-capture', capture]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/datadog-prompter-rollout\.json: all \d+ queries read only what the gateway produces/);
    expect(r.code).toBe(0);
  });

  it('fails on a Grafana dashboard with a misspelt metric, naming the metric and its panel', async () => {
    const bad = variant(GRAFANA, 'prompter_probe_failures_total', 'prompter_probe_failure_total');
    const r = await runCli(['check-dashboard', bad, '--scrape', scrape]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('metric "prompter_probe_failure_total" is not produced');
    expect(r.stdout).toMatch(/panel "[^"]+": metric "prompter_probe_failure_total"/);
    expect(r.stdout).not.toContain('prompter_probe_attempts_total" is not produced');
  });

  it('fails on a Grafana label matcher on a label the gateway never sets on that metric', async () => {
    const bad = variant(GRAFANA, 'prompter_redis_up{', 'prompter_redis_up{region=\\"eu\\",');
    const r = await runCli(['check-dashboard', bad, '--scrape', scrape]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('filters on label "region", which metric "prompter_redis_up" never carries');
  });

  it('fails on a DataDog dashboard with a misspelt metric, naming it', async () => {
    const misspelt = variant(DATADOG, 'prompter.probe.failures{', 'prompter.probe.failure{');
    const r = await runCli(['check-dashboard', misspelt, '--datadog-capture', capture]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('metric "prompter.probe.failure" is not produced');
  });

  it('fails on a DataDog widget grouping by a tag the metric’s series never carry', async () => {
    const tag = variant(DATADOG, 'by {table}', 'by {schema}');
    const t = await runCli(['check-dashboard', tag, '--datadog-capture', capture]);
    expect(t.code).toBe(1);
    expect(t.stdout).toContain('groups by label "schema", which metric "prompter.db.unique_violation" never carries');
  });

  it('refuses, with exit code 2, a Grafana dashboard given no scrape to check it against', async () => {
    const r = await runCli(['check-dashboard', GRAFANA]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('give --scrape URL');
  });
});
