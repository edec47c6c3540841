import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../helpers/gateway-process.ts';
import { tempFiles } from '../helpers/temp-files.ts';

const DATADOG = 'config/dashboards/datadog-prompter-rollout.json';
const CONFIG = 'config/gateway.yaml';
const shipped = readFileSync(join(REPO_ROOT, DATADOG), 'utf8');

/** The shipped DataDog dashboard with `from` replaced by `to`. */
const variant = (from: string, to: string) => {
  expect(shipped).toContain(from);
  return shipped.replaceAll(from, to);
};

describe('switchyard check-dashboard --pipeline: a DataDog dashboard against the shipped config, with no gateway running', () => {
  const files = tempFiles({
    'misspelt.json': variant('prompter.probe.failures{', 'prompter.probe.failure{'),
    'region.json': variant('prompter.redis.up{$env,$svc}', 'prompter.redis.up{$env,$svc,region:eu}'),
    'suffixed.json': variant('p95:prompter.http.latency{$env,$svc} by {route}', 'sum:prompter.http.latency.count{$env,$svc} by {route}'),
    'broken.yaml': 'receivers:\n  otlp: { protocols: { http: { endpoint: "127.0.0.1:0" } } }\nprocessors:\n  rename/x: { metrics: [{ to: y }] }\n',
  });
  afterAll(() => files.cleanup());

  it('passes the shipped dashboard: every metric and tag it queries is made by the DataDog pipeline', async () => {
    const r = await runCli(['check-dashboard', DATADOG, '--pipeline', CONFIG]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/datadog-prompter-rollout\.json: all 23 queries read only what the gateway produces/);
    expect(r.code).toBe(0);
  });

  it('fails on a misspelt metric, which the pipeline’s filter would never let through, naming it and its widget', async () => {
    const r = await runCli(['check-dashboard', files.path('misspelt.json'), '--pipeline', CONFIG]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('widget "Probe failure rate %": metric "prompter.probe.failure" is not produced');
    expect(r.stdout).toContain('1 problem(s)\n');
  });

  it('fails on a tag the pipeline’s rename never keeps on that metric', async () => {
    const r = await runCli(['check-dashboard', files.path('region.json'), '--pipeline', CONFIG]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('filters on label "region", which metric "prompter.redis.up" never carries');
  });

  it('reports a name that depends on the metric’s type as undecidable, and does not fail on it', async () => {
    const r = await runCli(['check-dashboard', files.path('suffixed.json'), '--pipeline', CONFIG]);
    expect(r.stdout).toContain('undecidable: metric "prompter.http.latency.count" is not made by the pipelines; it depends on the metric’s type');
    expect(r.stdout).toContain('0 problem(s), 1 undecidable');
    expect(r.code).toBe(0);
  });

  it('stops with the config’s errors at their file and line when the config is not valid', async () => {
    const r = await runCli(['check-dashboard', DATADOG, '--pipeline', files.path('broken.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/broken\.yaml:4:\d+: processors\.rename\/x\.metrics\[0\]: give exactly one of "from"/);
  });
});

const GRAFANA = 'config/dashboards/grafana-prompter-rollout.json';
const grafana = readFileSync(join(REPO_ROOT, GRAFANA), 'utf8');

/** A one-panel Grafana dashboard querying `expr`. */
const grafanaPanel = (expr: string) => JSON.stringify({ title: 'one panel', panels: [{ title: 'Probe failures', type: 'timeseries', targets: [{ expr }] }] });

describe('switchyard check-dashboard --pipeline: a Grafana dashboard against the Prometheus pipelines, with no gateway running', () => {
  const files = tempFiles({
    'region.json': grafana.replace('prompter_redis_up{', 'prompter_redis_up{region=\\"eu\\",'),
    'misspelt.json': grafanaPanel('sum by (provider) (rate(prompter_probe_failure_total{env="prod"}[5m]))'),
    'right.json': grafanaPanel('sum by (provider) (rate(prompter_probe_failures_total{env="prod"}[5m]))'),
    // Only the renamed probe counters reach the scrape endpoint: what the config allows is all it serves.
    'filtered.yaml': `receivers:
  otlp: { protocols: { http: { endpoint: "127.0.0.1:0" } } }
processors:
  rename/prometheus:
    metrics:
      - { from: prompter.probe.failures, to: prompter_probe_failures_total, aggregate_labels: [env, provider] }
  filter/known:
    metrics:
      include: { match_type: strict, metric_names: [prompter_probe_failures_total] }
exporters:
  prometheus: { endpoint: "127.0.0.1:0", scope_labels: false }
service:
  pipelines:
    metrics: { receivers: [otlp], processors: [rename/prometheus, filter/known], exporters: [prometheus] }
`,
  });
  afterAll(() => files.cleanup());

  it('passes the shipped dashboard: every metric is made by the Prometheus pipelines, a histogram’s series undecidable by its type', async () => {
    expect(grafana).toContain('prompter_redis_up{');
    const r = await runCli(['check-dashboard', GRAFANA, '--pipeline', CONFIG]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('grafana-prompter-rollout.json: no query reads what the gateway cannot produce; 4 undecidable without traffic');
    const undecidable = [...r.stdout.matchAll(/undecidable: metric "([^"]+)"/g)].map((m) => m[1]);
    expect(undecidable.sort()).toEqual(['celery_task_runtime_seconds_bucket', 'gen_ai_client_token_usage_sum', 'prompter_ensure_version_seconds_bucket', 'starlette_requests_processing_seconds_bucket']);
    expect(r.stdout).toMatch(/undecidable: metric "starlette_requests_processing_seconds_bucket" is not made by the pipelines; it depends on the metric’s type and unit/);
    expect(r.code).toBe(0);
  });

  it('fails on a label the pipeline’s rename never keeps on that metric, naming panel, label and metric', async () => {
    const r = await runCli(['check-dashboard', files.path('region.json'), '--pipeline', CONFIG]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('panel "Redis up": filters on label "region", which metric "prompter_redis_up" never carries');
    expect(r.stdout).toContain('1 problem(s), 4 undecidable\n');
  });

  it('fails on a misspelt metric that the pipeline’s filter never lets through, and reports it as undecidable where services could send it as is', async () => {
    const filtered = await runCli(['check-dashboard', files.path('misspelt.json'), '--pipeline', files.path('filtered.yaml')]);
    expect(filtered.code).toBe(1);
    expect(filtered.stdout).toContain('panel "Probe failures": metric "prompter_probe_failure_total" is not produced');
    const right = await runCli(['check-dashboard', files.path('right.json'), '--pipeline', files.path('filtered.yaml')]);
    expect([right.code, right.stdout]).toEqual([0, `${files.path('right.json')}: all 1 queries read only what the gateway produces\n`]);
    // The shipped pipeline passes on whatever else the services send (no filter): a name it does not make is theirs to send.
    const open = await runCli(['check-dashboard', files.path('misspelt.json'), '--pipeline', CONFIG]);
    expect(open.code).toBe(0);
    expect(open.stdout).toContain('undecidable: metric "prompter_probe_failure_total" is not made by the pipelines; it depends on whether the senders of receiver otlp emit it under that name');
  });
});
