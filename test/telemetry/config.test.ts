import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/cli/validate.ts';
import { formatPath } from '../../src/config/errors.ts';
import { loadConfig } from '../../src/config/load.ts';
import { checkConfig } from '../../src/config/resolve.ts';
import { logSettingsOf } from '../../src/telemetry/log-settings.ts';
import { fakeRegistry } from '../helpers/fake-components.ts';
import { tempFiles } from '../helpers/temp-files.ts';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

/** A valid gateway whose `service` block ends with the given `telemetry:` block (indented by two). */
function gatewayWith(telemetry: string): string {
  return `receivers:
  push:
exporters:
  memory:
service:
  admin: { endpoint: "127.0.0.1:0" }
  pipelines:
    metrics: { receivers: [push], exporters: [memory] }
${telemetry
  .split('\n')
  .map((l) => (l === '' ? l : `  ${l}`))
  .join('\n')}
`;
}

function file(telemetry: string): string {
  const t = tempFiles({ 'gateway.yaml': gatewayWith(telemetry) });
  cleanups.push(t.cleanup);
  return t.path('gateway.yaml');
}

function check(telemetry: string) {
  return checkConfig(loadConfig(file(telemetry), {}), fakeRegistry());
}

const issues = (telemetry: string) => check(telemetry).issues.map((i) => `${formatPath(i.path)}: ${i.message}`);

// The OpenTelemetry Collector's own examples of `service::telemetry` (its "Internal telemetry" page).
const COLLECTOR_EXAMPLES: Record<string, string> = {
  'a pull reader with a level': `telemetry:
  metrics:
    level: detailed
    readers:
      - pull:
          exporter:
            prometheus:
              host: '0.0.0.0'
              port: 8888`,
  'a periodic OTLP reader': `telemetry:
  metrics:
    readers:
      - periodic:
          exporter:
            otlp:
              protocol: http/protobuf
              endpoint: https://backend:4318`,
  'the older address form': `telemetry:
  metrics:
    address: 0.0.0.0:8888`,
  'the logs level and initial fields': `telemetry:
  logs:
    level: DEBUG
    initial_fields:
      service: my-instance`,
  'extra resource attributes': `telemetry:
  resource:
    attribute_key: 'attribute_value'`,
  'a periodic reader with headers and an interval, as a vendor documents it': `telemetry:
  resource:
    service.name: "edge-gateway"
  metrics:
    level: normal
    readers:
      - periodic:
          interval: 60000
          exporter:
            otlp:
              protocol: "http/protobuf"
              endpoint: "https://ingest.example.com:443"
              headers:
                ingestion-key: "secret"`,
  'internal traces through a batch processor': `telemetry:
  traces:
    processors:
      - batch:
          exporter:
            otlp:
              protocol: http/protobuf
              endpoint: https://backend:4318`,
};

describe('service.telemetry config', () => {
  for (const [name, example] of Object.entries(COLLECTOR_EXAMPLES)) {
    it(`accepts the Collector's example: ${name}`, () => {
      expect(issues(example)).toEqual([]);
    });
  }

  it('switchyard validate accepts the Collector’s pull-reader example and checks its port like any other', async () => {
    expect(await validateConfig(file(COLLECTOR_EXAMPLES['a pull reader with a level']!), fakeRegistry(), {})).toEqual([]);
  });

  it('fills the Collector’s defaults: level normal, no readers, traces off, logs from the environment', () => {
    const t = check('').config!.telemetry.config;
    expect(t.metrics).toEqual({ level: 'normal', readers: [] });
    expect(t.traces.processors).toEqual([]);
    expect(t.logs.level).toBeUndefined();
    expect(t.logs.encoding).toBeUndefined();
  });

  it('reads the periodic reader’s interval in milliseconds or as a duration, and headers as a mapping or a name/value list', () => {
    const t = check(`telemetry:
  metrics:
    readers:
      - periodic:
          interval: 15s
          exporter:
            otlp:
              endpoint: http://127.0.0.1:4318
              headers: [{ name: a, value: b }]`).config!.telemetry.config;
    const periodic = t.metrics.readers[0]!.periodic!;
    expect(periodic.interval).toBe(15_000);
    expect(periodic.exporter.otlp).toMatchObject({ protocol: 'http/protobuf', headers: { a: 'b' } });
  });

  it('names each Collector setting Switchyard does not support, at its line, instead of calling it unknown', () => {
    const found = check(`telemetry:
  logs:
    sampling:
      initial: 10
    output_paths: [stdout]
  metrics:
    views: []
    readers:
      - periodic:
          exporter:
            otlp:
              protocol: grpc
              endpoint: http://127.0.0.1:4317
      - periodic:
          exporter:
            console: {}
      - pull:
          exporter:
            prometheus:
              port: 8888
              without_units: true`).issues;
    expect(found.map((i) => [formatPath(i.path), i.line])).toEqual([
      ['service.telemetry.metrics.readers[0].periodic.exporter.otlp.protocol', 20],
      ['service.telemetry.metrics.readers[1].periodic.exporter.console', 24],
      ['service.telemetry.metrics.readers[1].periodic.exporter', 23],
      ['service.telemetry.metrics.readers[2].pull.exporter.prometheus.without_units', 29],
      ['service.telemetry.metrics.views', 15],
      ['service.telemetry.logs.sampling', 11],
      ['service.telemetry.logs.output_paths', 13],
    ]);
    expect(found.find((i) => formatPath(i.path).endsWith('sampling'))!.message).toMatch(/^a setting of the OpenTelemetry Collector that Switchyard does not support: "sampling"/);
    expect(found.find((i) => formatPath(i.path).endsWith('protocol'))!.message).toContain('"grpc" is not supported');
  });

  it('refuses what is no setting at all as an unknown key, and a bad level with the levels', () => {
    expect(issues(`telemetry:
  metrics:
    level: verbose
  colour: red`)).toEqual([
      "service.telemetry.metrics.level: Invalid enum value. Expected 'none' | 'basic' | 'normal' | 'detailed', received 'verbose'",
      'service.telemetry.colour: unknown key "colour"',
    ]);
  });

  it('reports two pull readers on one port, as any two listeners', () => {
    expect(issues(`telemetry:
  metrics:
    readers:
      - pull: { exporter: { prometheus: { host: 127.0.0.1, port: 18888 } } }
      - pull: { exporter: { prometheus: { host: 0.0.0.0, port: 18888 } } }`)).toEqual([
      expect.stringMatching(/^service\.telemetry\.metrics\.readers\[1\]\.pull\.exporter\.prometheus\.port: port 18888 is also used by service\.telemetry\.metrics\.readers\[0\]\.pull\.exporter\.prometheus\.port \(.*gateway\.yaml:12\)$/),
    ]);
  });

  it('gives the logger the config’s logs level and encoding, which win over LOG_LEVEL and LOG_FORMAT', () => {
    expect(logSettingsOf(file(`telemetry:
  logs:
    level: WARN
    encoding: console`), { LOG_LEVEL: 'debug' })).toMatchObject({ level: 'warn', encoding: 'console' });
    expect(logSettingsOf(file(''), {})).toEqual({});
  });
});
