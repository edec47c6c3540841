import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/cli/validate.ts';
import { formatIssue } from '../../../src/config/errors.ts';
import { builtinRegistry } from '../../../src/components.ts';
import { parsePromDurationMs, prometheusReceiverConfigSchema } from '../../../receivers/prometheus/config.ts';
import { prometheusReceiverFactory } from '../../../receivers/prometheus/factory.ts';
import { runCli } from '../../helpers/gateway-process.ts';
import { tempFiles } from '../../helpers/temp-files.ts';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

async function validate(yaml: string, env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  const t = tempFiles({ 'gateway.yaml': yaml });
  cleanups.push(t.cleanup);
  const issues = await validateConfig(t.path('gateway.yaml'), builtinRegistry(), env);
  return issues.map((i) => formatIssue(i).replace(`${t.dir}/`, ''));
}

const config = (job: string) => `receivers:
  prometheus:
    config:
      scrape_configs:
${job}
exporters:
  log: { path: stderr }
service:
  admin: { endpoint: "127.0.0.1:0" }
  pipelines:
    metrics:
      receivers: [prometheus]
      exporters: [log]
`;

describe('prometheus receiver config', () => {
  it('accepts a Prometheus scrape config and fills in its defaults', () => {
    const c = prometheusReceiverConfigSchema.parse({ config: { scrape_configs: [{ job_name: 'prompter', static_configs: [{ targets: ['api:8000'] }] }] } });
    expect(c.config.scrape_configs[0]).toMatchObject({ scrape_interval: 60_000, scrape_timeout: 10_000, metrics_path: '/metrics', scheme: 'http', honor_labels: false });
  });

  it('reads Prometheus durations, compound ones included', () => {
    expect(parsePromDurationMs('1m30s')).toBe(90_000);
    expect(parsePromDurationMs('500ms')).toBe(500);
    expect(parsePromDurationMs('1d')).toBe(86_400_000);
    expect(parsePromDurationMs('15')).toBeUndefined();
    expect(parsePromDurationMs('1.5s')).toBeUndefined();
  });

  it('is off when no target is set (an unset variable), and says why', () => {
    const c = prometheusReceiverConfigSchema.parse({ config: { scrape_configs: [{ job_name: 'p', static_configs: [{ targets: [''] }] }] } });
    expect(prometheusReceiverFactory.disabledReason!(c)).toMatch(/no scrape target/);
    const on = prometheusReceiverConfigSchema.parse({ config: { scrape_configs: [{ job_name: 'p', static_configs: [{ targets: ['a:1'] }] }] } });
    expect(prometheusReceiverFactory.disabledReason!(on)).toBeUndefined();
  });

  it('validate names file:line and the YAML path of an unknown key, a bad duration and a bad relabel regex', async () => {
    const issues = await validate(
      config(`        - job_name: prompter
          scrape_intervall: 15s
          scrape_timeout: 10 seconds
          static_configs: [{ targets: ["127.0.0.1:8000"] }]
          metric_relabel_configs:
            - { action: keep, source_labels: [__name__], regex: "starlette_(.*" }`),
    );
    expect(issues.sort()).toEqual([
      expect.stringMatching(/^gateway\.yaml:10:58: receivers\.prometheus\.config\.scrape_configs\[0\]\.metric_relabel_configs\[0\]\.regex: "starlette_\(\.\*" is not a valid regular expression/),
      expect.stringMatching(/^gateway\.yaml:6:11: receivers\.prometheus\.config\.scrape_configs\[0\]\.scrape_intervall: unknown key "scrape_intervall"/),
      expect.stringMatching(/^gateway\.yaml:7:11: receivers\.prometheus\.config\.scrape_configs\[0\]\.scrape_timeout: "10 seconds" is not a duration/),
    ]);
  });

  it('validate refuses a bad target and a replace without target_label', async () => {
    const issues = await validate(
      config(`        - job_name: prompter
          static_configs: [{ targets: ["http://127.0.0.1:8000/metrics"] }]
          metric_relabel_configs:
            - { source_labels: [a], regex: "x" }`),
    );
    expect(issues.sort()).toEqual([
      expect.stringMatching(/^gateway\.yaml:6:40: .*static_configs\[0\]\.targets\[0\]: not a target "host:port"/),
      expect.stringMatching(/^gateway\.yaml:8:15: .*metric_relabel_configs\[0\]\.target_label: action "replace" needs a target_label/),
    ]);
  });

  it('switchyard validate names pipelines/prompter-scrape.yaml and its line when a SWITCHYARD_SCRAPE_* value is wrong', async () => {
    const r = await runCli(['validate', '--config', 'config/gateway.yaml'], { SWITCHYARD_SCRAPE_TARGETS: 'http://api:8000/metrics', SWITCHYARD_SCRAPE_INTERVAL: '15 seconds' });
    expect(r.code).toBe(1);
    const lines = (r.stdout + r.stderr).split('\n').filter((l) => l.includes('prompter-scrape.yaml'));
    expect(lines).toEqual([
      expect.stringMatching(/pipelines\/prompter-scrape\.yaml:\d+:\d+: receivers\.prometheus\/prompter\.config\.scrape_configs\[0\]\.scrape_interval: "15 seconds" is not a duration/),
      expect.stringMatching(/pipelines\/prompter-scrape\.yaml:\d+:\d+: receivers\.prometheus\/prompter\.config\.scrape_configs\[0\]\.static_configs\[0\]\.targets\[0\]: not a target "host:port"/),
    ]);
    const shipped = readFileSync('pipelines/prompter-scrape.yaml', 'utf8').split('\n');
    const lineOf = (l: string) => Number(/prompter-scrape\.yaml:(\d+):/.exec(l)![1]);
    expect(shipped[lineOf(lines[0]!) - 1]).toContain('scrape_interval:');
    expect(shipped[lineOf(lines[1]!) - 1]).toContain('targets:');
  });

  it('validate refuses a scrape_timeout longer than the scrape_interval', async () => {
    const issues = await validate(
      config(`        - job_name: prompter
          scrape_interval: 5s
          scrape_timeout: 10s
          static_configs: [{ targets: ["127.0.0.1:8000"] }]`),
    );
    expect(issues).toEqual([expect.stringMatching(/^gateway\.yaml:7:11: .*scrape_configs\[0\]\.scrape_timeout: scrape_timeout must not be longer than scrape_interval/)]);
  });
});
