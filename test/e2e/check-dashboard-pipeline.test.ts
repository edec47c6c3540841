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
