import { readFileSync, readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { logExporterFactory } from '../../../exporters/log/factory.ts';
import { logLines, metricLines, spanLines } from '../../../exporters/log/format.ts';
import type { MetricsBatch } from '../../../src/model/metrics.ts';
import type { TracesBatch } from '../../../src/model/traces.ts';
import { silentSettings, trackedSettings } from '../../helpers/silent-settings.ts';
import { tempFiles } from '../../helpers/temp-files.ts';

const NS = 1_700_000_000_000_000_000;

function counterBatch(n: number, name = 'requests'): MetricsBatch {
  return {
    resourceMetrics: [
      {
        resource: { attributes: { 'service.name': 'api', 'host.name': 'h1' } },
        schemaUrl: '',
        scopeMetrics: [
          {
            scope: { name: 'prompter', version: '7', attributes: {} },
            schemaUrl: '',
            metrics: [
              { name, description: 'Requests.', unit: '1', type: 'sum', temporality: 'cumulative', monotonic: true, points: Array.from({ length: n }, (_, i) => ({ attributes: { route: `/r${i}` }, startTimeUnixNano: NS, timeUnixNano: NS + 1e9, flags: 0, value: i })) },
              { name: 'latency', description: '', unit: 's', type: 'histogram', temporality: 'delta', points: [{ attributes: {}, startTimeUnixNano: NS, timeUnixNano: NS, flags: 0, count: 3, sum: 1.5, bucketCounts: [1, 2], explicitBounds: [0.5] }] },
            ],
          },
        ],
      },
    ],
  };
}

const spanBatch: TracesBatch = {
  resourceSpans: [
    {
      resource: { attributes: { 'service.name': 'api' } },
      schemaUrl: '',
      scopeSpans: [{ scope: { name: 'http', version: '', attributes: {} }, schemaUrl: '', spans: [{ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), parentSpanId: '', traceState: '', name: 'GET /x', kind: 2, startTimeUnixNano: NS, endTimeUnixNano: NS + 2.5e6, attributes: { 'http.route': '/x' }, events: [{ timeUnixNano: NS, name: 'e', attributes: {} }], links: [], status: { code: 2, message: 'boom' } }] }],
    },
  ],
};

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

describe('log exporter', () => {
  it('writes one basic line per data point: name, type, value, attributes, time, service', () => {
    const lines = metricLines(counterBatch(2), 'basic').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toEqual({ signal: 'metric', time: '2023-11-14T22:13:21.000Z', service: 'api', name: 'requests', type: 'sum', unit: '1', attributes: { route: '/r1' }, value: 1 });
    expect(lines[2]).toMatchObject({ name: 'latency', count: 3, sum: 1.5 });
    expect(lines[2]).not.toHaveProperty('bucket_counts');
  });

  it('adds resource, scope, start time, temporality and buckets at detailed verbosity', () => {
    const [, , histogram] = metricLines(counterBatch(2), 'detailed').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(histogram).toMatchObject({ resource: { 'service.name': 'api', 'host.name': 'h1' }, scope: { name: 'prompter', version: '7' }, temporality: 'delta', bucket_counts: [1, 2], explicit_bounds: [0.5], start_time: '2023-11-14T22:13:20.000Z' });
  });

  it('writes spans with kind, status, duration and IDs; events only when detailed', () => {
    const [basic] = spanLines(spanBatch, 'basic').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(basic).toMatchObject({ signal: 'span', name: 'GET /x', kind: 'server', status: 'error', duration_ms: 2.5, trace_id: 'a'.repeat(32), attributes: { 'http.route': '/x' } });
    expect(basic).not.toHaveProperty('events');
    const [detailed] = spanLines(spanBatch, 'detailed').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(detailed).toMatchObject({ status_message: 'boom', events: [{ name: 'e' }] });
  });

  it('writes log records with severity and body', () => {
    const [line] = logLines({ resourceLogs: [{ resource: { attributes: {} }, schemaUrl: '', scopeLogs: [{ scope: { name: '', version: '', attributes: {} }, schemaUrl: '', logRecords: [{ timeUnixNano: NS, observedTimeUnixNano: 0, severityNumber: 9, severityText: 'INFO', body: 'hello', attributes: {}, traceId: '', spanId: '', flags: 0, eventName: '' }] }] }] }, 'basic');
    expect(JSON.parse(line!)).toMatchObject({ signal: 'log', severity: 'INFO', body: 'hello' });
  });

  it('rotates the file at max_file_size without splitting a line, keeping max_files, under concurrent batches', async () => {
    const t = tempFiles({});
    cleanups.push(t.cleanup);
    const path = t.path('out.jsonl');
    const exporter = logExporterFactory.create(silentSettings('log'), logExporterFactory.configSchema.parse({ path, max_file_size: 4096, max_files: 50, sending_queue: { num_consumers: 4 } }));
    await exporter.start();
    await Promise.all(Array.from({ length: 40 }, (_, i) => exporter.consumeMetrics!(counterBatch(5, `m${i}`))));
    await exporter.shutdown();
    const files = readdirSync(t.dir).filter((f) => f.startsWith('out.jsonl'));
    expect(files.length).toBeGreaterThan(5);
    let total = 0;
    for (const f of files) {
      const text = readFileSync(t.path(f), 'utf8');
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(4096);
      expect(text.endsWith('\n')).toBe(true);
      for (const line of text.trimEnd().split('\n')) {
        expect(() => JSON.parse(line)).not.toThrow();
        total++;
      }
    }
    expect(total).toBe(40 * 6);
  });

  it('drains its queue on shutdown: every accepted line is written', async () => {
    const t = tempFiles({});
    cleanups.push(t.cleanup);
    const exporter = logExporterFactory.create(silentSettings('log'), logExporterFactory.configSchema.parse({ path: t.path('a.jsonl'), sending_queue: { num_consumers: 1 } }));
    await exporter.start();
    for (let i = 0; i < 20; i++) await exporter.consumeTraces!(spanBatch);
    await exporter.shutdown();
    expect(readFileSync(t.path('a.jsonl'), 'utf8').trimEnd().split('\n')).toHaveLength(20);
  });

  it('reports its last successful write as its last success (the status page’s column), none before', async () => {
    const t = tempFiles({});
    cleanups.push(t.cleanup);
    const settings = trackedSettings('log', 'exporter');
    const exporter = logExporterFactory.create(settings, logExporterFactory.configSchema.parse({ path: t.path('ok.jsonl') }));
    await exporter.start();
    expect(settings.status().lastOk).toBeNull();
    const before = Date.now();
    await exporter.consumeMetrics!(counterBatch(2));
    await exporter.shutdown();
    expect(Date.parse(settings.status().lastOk!)).toBeGreaterThanOrEqual(before - 1000);
    expect(settings.status().lastError).toBeNull();
  });

  it('reports an unwritable path as a config fault at its YAML path', async () => {
    const exporter = logExporterFactory.create(silentSettings('log'), logExporterFactory.configSchema.parse({ path: '/nonexistent-dir/x.jsonl' }));
    await expect(exporter.start()).rejects.toMatchObject({ name: 'ConfigFault', path: ['path'] });
  });
});
