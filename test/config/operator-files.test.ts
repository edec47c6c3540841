import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/gateway-process.ts';
import { tempFiles } from '../helpers/temp-files.ts';

function run(cmd: string, args: string[]): { code: number | null; out: string } {
  const r = spawnSync(cmd, args, { cwd: REPO_ROOT, encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

interface Dashboard {
  panels: { title: string; targets: { expr: string }[] }[];
}

describe('operator files under config/', () => {
  it('alert rules pass promtool check rules', () => {
    const r = run('promtool', ['check', 'rules', 'config/prometheus/alerts.yml']);
    expect(r.out).toContain('SUCCESS: 9 rules found');
    expect(r.code).toBe(0);
  });

  it('alert rules pass their promtool unit tests (each alert fires on its data, not below its threshold)', () => {
    const r = run('promtool', ['test', 'rules', 'config/prometheus/alerts.test.yml']);
    expect(r.out).toContain('SUCCESS');
    expect(r.code).toBe(0);
  });

  it('prometheus.yml passes promtool check config', () => {
    const r = run('promtool', ['check', 'config', 'config/prometheus/prometheus.yml']);
    expect(r.code, r.out).toBe(0);
  });

  it('every Grafana panel query is valid PromQL on the seed metric names', () => {
    const dashboard = JSON.parse(readFileSync(`${REPO_ROOT}config/dashboards/grafana-prompter-rollout.json`, 'utf8')) as Dashboard;
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr.replaceAll('$env', 'prod').replaceAll('$service', 'prompter-api').replaceAll('$__range', '1d')));
    expect(exprs.length).toBeGreaterThanOrEqual(15);
    const rules = { groups: [{ name: 'panels', rules: exprs.map((expr, i) => ({ record: `panel:${i}`, expr })) }] };
    const t = tempFiles({ 'panels.yml': JSON.stringify(rules) });
    try {
      const r = run('promtool', ['check', 'rules', t.path('panels.yml')]);
      expect(r.code, r.out).toBe(0);
    } finally {
      t.cleanup();
    }
    for (const name of ['starlette_requests_total', 'starlette_requests_processing_seconds_bucket', 'prompter_probe_failures_total', 'prompter_ensure_version_seconds_bucket', 'prompter_redis_up', 'llm_cost_usd_total']) {
      expect(exprs.some((e) => e.includes(name)), name).toBe(true);
    }
  });

  it('docker-compose.yml is a valid compose file', () => {
    const hasCompose = spawnSync('sh', ['-c', 'command -v docker-compose']).status === 0;
    expect(hasCompose, 'install the Debian package docker-compose').toBe(true);
    expect(() => execFileSync('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], { cwd: REPO_ROOT, stdio: 'pipe' })).not.toThrow();
  });
});
