import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/cli/validate.ts';
import { ConfigError, formatPath, type ConfigIssue } from '../../src/config/errors.ts';
import { loadConfig } from '../../src/config/load.ts';
import { resolveConfig } from '../../src/config/resolve.ts';
import { builtinRegistry } from '../../src/components.ts';
import type { FactoryRegistry } from '../../src/component/registry.ts';
import { fakeRegistry } from '../helpers/fake-components.ts';
import { tempFiles } from '../helpers/temp-files.ts';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function write(files: Record<string, string>) {
  const t = tempFiles(files);
  cleanups.push(t.cleanup);
  return t;
}

function issuesOf(file: string, env: NodeJS.ProcessEnv = {}, registry: FactoryRegistry = fakeRegistry()): ConfigIssue[] {
  try {
    resolveConfig(loadConfig(file, env), registry);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
  return [];
}

const GOOD = `receivers:
  push:
exporters:
  memory:
service:
  pipelines:
    metrics:
      receivers: [push]
      exporters: [memory]
`;

describe('config', () => {
  it('accepts a minimal valid config and fills in defaults', () => {
    const t = write({ 'gateway.yaml': GOOD });
    const config = resolveConfig(loadConfig(t.path('gateway.yaml'), {}), fakeRegistry());
    expect(config.pipelines.map((p) => p.key)).toEqual(['metrics']);
    expect(config.receivers.get('push')!.config).toEqual({ endpoint: '127.0.0.1:0', fail_start: false, hold_start: false, off: false });
    expect(config.admin.endpoint).toBe('127.0.0.1:13133');
    expect(Object.isFrozen(config.receivers.get('push')!.config)).toBe(true);
  });

  it('reports an unknown key inside a component with its YAML path and line', () => {
    const t = write({ 'gateway.yaml': GOOD.replace('  memory:\n', '  memory:\n    delay_ms: 5\n    colour: red\n') });
    const issues = issuesOf(t.path('gateway.yaml'));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: t.path('gateway.yaml'), path: ['exporters', 'memory', 'colour'], line: 6, message: 'unknown key "colour"' });
  });

  it('reports an unknown top-level key and an unknown service key', () => {
    const t = write({ 'gateway.yaml': `${GOOD}extensions: {}\n`.replace('service:\n', 'service:\n  extensions: [health_check]\n') });
    const issues = issuesOf(t.path('gateway.yaml'));
    expect(issues.map((i) => [i.path.join('.'), i.line])).toEqual([
      ['extensions', 11],
      ['service.extensions', 6],
    ]);
  });

  it('reports a wrong type with the expected type', () => {
    const t = write({ 'gateway.yaml': GOOD.replace('  memory:\n', '  memory:\n    delay_ms: soon\n') });
    const [issue] = issuesOf(t.path('gateway.yaml'));
    expect(issue).toMatchObject({ path: ['exporters', 'memory', 'delay_ms'], line: 5 });
    expect(issue!.message).toMatch(/expected number, received string/i);
  });

  it('reports a pipeline that names a component that is not defined, at the list item', () => {
    const t = write({ 'gateway.yaml': GOOD.replace('exporters: [memory]', 'exporters: [memory, prometheus]') });
    const [issue] = issuesOf(t.path('gateway.yaml'));
    expect(issue).toMatchObject({ path: ['service', 'pipelines', 'metrics', 'exporters', 1], line: 9 });
    expect(issue!.message).toBe('exporter "prometheus" is not defined under exporters or connectors');
  });

  it('reports an unknown component type with the known ones', () => {
    const t = write({ 'gateway.yaml': GOOD.replace('  memory:\n', '  memory:\n  kafka:\n') });
    const [issue] = issuesOf(t.path('gateway.yaml'));
    expect(issue).toMatchObject({ path: ['exporters', 'kafka'], line: 5 });
    expect(issue!.message).toBe('unknown exporter type "kafka"; known types: memory');
  });

  it('reports a signal mismatch: a metrics-only processor in a traces pipeline', () => {
    const t = write({
      'gateway.yaml': `${GOOD}    traces:\n      receivers: [push]\n      processors: [label]\n      exporters: [memory]\n`.replace('exporters:\n  memory:\n', 'exporters:\n  memory:\nprocessors:\n  label: { key: a, value: b }\n'),
    });
    const [issue] = issuesOf(t.path('gateway.yaml'));
    expect(issue).toMatchObject({ path: ['service', 'pipelines', 'traces', 'processors', 0], line: 14 });
    expect(issue!.message).toBe('processor "label" does not support traces (it supports metrics); it cannot be in pipeline "traces"');
  });

  it('reports a signal mismatch: a metrics exporter in a traces pipeline, even when its settings are wrong too', () => {
    const text = `receivers:
  otlp: { protocols: { http: { endpoint: "127.0.0.1:0" } } }
exporters:
  prometheus: { endpoint: "127.0.0.1:0", colour: red }
service:
  admin: { endpoint: "127.0.0.1:0" }
  pipelines:
    traces: { receivers: [otlp], exporters: [prometheus] }
`;
    const t = write({ 'gateway.yaml': text });
    const issues = issuesOf(t.path('gateway.yaml'), {}, builtinRegistry());
    expect(issues.map((i) => `${i.line}: ${formatPath(i.path)}: ${i.message}`)).toEqual([
      '4: exporters.prometheus.colour: unknown key "colour"',
      '8: service.pipelines.traces.exporters[0]: exporter "prometheus" does not support traces (it supports metrics); it cannot be in pipeline "traces"',
    ]);
  });

  it('reports a port that two components would listen on, naming the first', () => {
    const t = write({ 'gateway.yaml': GOOD.replace('  push:\n', '  push:\n    endpoint: 127.0.0.1:4999\n').replace('service:\n', 'service:\n  admin: { endpoint: "0.0.0.0:4999" }\n') });
    const [issue, ...rest] = issuesOf(t.path('gateway.yaml'));
    expect(rest).toEqual([]);
    expect(issue).toMatchObject({ path: ['service', 'admin', 'endpoint'], line: 7, message: `port 4999 is also used by receivers.push.endpoint (${t.path('gateway.yaml')}:3)` });
  });

  it('reports a connector used in the wrong direction', () => {
    const text = `receivers: { push: }
exporters: { memory: }
connectors: { spancount: }
service:
  pipelines:
    metrics/in: { receivers: [push], exporters: [spancount] }
    traces/out: { receivers: [spancount], exporters: [memory] }
`;
    const t = write({ 'gateway.yaml': text });
    const messages = issuesOf(t.path('gateway.yaml')).map((i) => `${i.line}: ${i.message}`);
    expect(messages).toContain('6: connector "spancount" as an exporter does not support metrics (it supports traces); it cannot be in pipeline "metrics/in"');
    expect(messages).toContain('7: connector "spancount" as a receiver does not support traces (it supports metrics); it cannot be in pipeline "traces/out"');
  });

  it('expands ${env:VAR} and ${env:VAR:-default} before parsing', () => {
    const t = write({ 'gateway.yaml': GOOD.replace('  push:\n', '  push:\n    endpoint: "${env:HOST:-127.0.0.1}:${env:PORT}"\n') });
    const config = resolveConfig(loadConfig(t.path('gateway.yaml'), { PORT: '4999' }), fakeRegistry());
    expect((config.receivers.get('push')!.config as { endpoint: string }).endpoint).toBe('127.0.0.1:4999');
  });

  it('names a missing environment variable that has no default, with its YAML path and line, among every other error', () => {
    const t = write({ 'gateway.yaml': GOOD.replace('  push:\n', '  push:\n    endpoint: "127.0.0.1:${env:OTLP_PORT}"\n').replace('  memory:\n', '  memory:\n    colour: red\n').replace('exporters: [memory]', 'exporters: [memory, nowhere]') });
    const issues = issuesOf(t.path('gateway.yaml'));
    expect(issues.map((i) => [i.line, i.path.join('.'), i.message])).toEqual([
      [3, 'receivers.push.endpoint', 'environment variable OTLP_PORT is not set and has no default (write ${env:OTLP_PORT:-default})'],
      [6, 'exporters.memory.colour', 'unknown key "colour"'],
      [11, 'service.pipelines.metrics.exporters.1', 'exporter "nowhere" is not defined under exporters or connectors'],
    ]);
    expect(issues[0]!.column).toBe(26);
  });

  it('places a missing variable that leaves a value empty on that value, and a missing variable inside a list on its item', () => {
    const t = write({ 'gateway.yaml': GOOD.replace('  memory:\n', '  memory:\n    delay_ms: ${env:DELAY}\n').replace('receivers: [push]', 'receivers: [push, "${env:EXTRA}"]') });
    const issues = issuesOf(t.path('gateway.yaml'));
    expect(issues.map((i) => [i.line, i.path.join('.')])).toEqual([
      [5, 'exporters.memory.delay_ms'],
      [9, 'service.pipelines.metrics.receivers.1'],
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    const t = write({ 'gateway.yaml': 'receivers:\n  push: [\nexporters: {}\n' });
    const issues = issuesOf(t.path('gateway.yaml'));
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0]!.line).toBeGreaterThan(1);
  });

  it('merges included pipeline files, relative to the main file', () => {
    const t = write({
      'config/gateway.yaml': `receivers: { push: }\nexporters: { memory: }\nservice:\n  include: [../pipelines/*.yaml]\n`,
      'pipelines/a.yaml': `processors:\n  label/a: { key: a, value: "1" }\nservice:\n  pipelines:\n    metrics/a: { receivers: [push], processors: [label/a], exporters: [memory] }\n`,
      'pipelines/b.yaml': `service:\n  pipelines:\n    traces/b: { receivers: [push], exporters: [memory] }\n`,
    });
    const config = resolveConfig(loadConfig(t.path('config/gateway.yaml'), {}), fakeRegistry());
    expect(config.pipelines.map((p) => p.key)).toEqual(['metrics/a', 'traces/b']);
    expect(config.files).toEqual([t.path('config/gateway.yaml'), t.path('pipelines/a.yaml'), t.path('pipelines/b.yaml')]);
  });

  it('refuses an ID defined in two files, naming both', () => {
    const t = write({
      'config/gateway.yaml': `${GOOD}  include: [../pipelines/dup.yaml]\n`,
      'pipelines/dup.yaml': `exporters:\n  memory:\n`,
    });
    const [issue] = issuesOf(t.path('config/gateway.yaml'));
    expect(issue).toMatchObject({ file: t.path('pipelines/dup.yaml'), path: ['exporters', 'memory'], line: 2 });
    expect(issue!.message).toBe(`"memory" is defined twice: here and in ${t.path('config/gateway.yaml')}`);
  });

  it('reports every error at once, in every file', () => {
    const t = write({
      'config/gateway.yaml': `receivers: { push: { fail_start: maybe } }\nexporters: { memory: }\nservice:\n  include: [../pipelines/*.yaml]\n  pipelines:\n    metrics: { receivers: [push], exporters: [nowhere] }\n`,
      'pipelines/x.yaml': `processors:\n  label: { key: 1 }\n`,
    });
    const issues = issuesOf(t.path('config/gateway.yaml'));
    expect(issues.map((i) => `${i.file.endsWith('x.yaml') ? 'x' : 'main'}:${i.line}:${i.path.join('.')}`).sort()).toEqual([
      'main:1:receivers.push.fail_start',
      'main:6:service.pipelines.metrics.exporters.0',
      'x:2:processors.label.key',
      'x:2:processors.label.value',
    ]);
  });

  describe('switchyard validate', () => {
    let blocker: Server | undefined;
    afterEach(() => blocker?.close());
    const WITH_FREE_ADMIN = GOOD.replace('service:\n', 'service:\n  admin: { endpoint: "127.0.0.1:0" }\n');

    async function block(port: number): Promise<number> {
      blocker = createServer();
      await new Promise<void>((resolve) => {
        blocker!.once('error', () => resolve()); // already taken by someone else: in use all the same
        blocker!.listen(port, '127.0.0.1', resolve);
      });
      return (blocker.address() as { port: number } | null)?.port ?? port;
    }

    it('reports a port that is already in use at the endpoint line', async () => {
      const port = await block(0);
      const t = write({ 'gateway.yaml': WITH_FREE_ADMIN.replace('  push:\n', `  push:\n    endpoint: 127.0.0.1:${port}\n`) });
      const issues = await validateConfig(t.path('gateway.yaml'), fakeRegistry(), {});
      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatchObject({ path: ['receivers', 'push', 'endpoint'], line: 3, message: `port ${port} on 127.0.0.1 is already in use` });
    });

    it('checks the admin port when the config leaves it at its default, at service.admin.endpoint', async () => {
      await block(13133);
      const t = write({ 'gateway.yaml': GOOD.replace('  memory:\n', '  memory:\n    colour: red\n') });
      const issues = await validateConfig(t.path('gateway.yaml'), fakeRegistry(), {});
      expect(issues.map((i) => [i.line, formatPath(i.path), i.message])).toEqual([
        [5, 'exporters.memory.colour', 'unknown key "colour"'],
        [6, 'service.admin.endpoint', 'port 13133 on 127.0.0.1 is already in use'],
      ]);
    });

    it('returns no issue for a valid config', async () => {
      const t = write({ 'gateway.yaml': WITH_FREE_ADMIN });
      expect(await validateConfig(t.path('gateway.yaml'), fakeRegistry(), {})).toEqual([]);
    });
  });
});
