import pino from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { loadConfig } from '../../src/config/load.ts';
import { resolveConfig } from '../../src/config/resolve.ts';
import type { MetricsBatch } from '../../src/model/metrics.ts';
import { PipelineGraph } from '../../src/pipeline/graph.ts';
import { HealthRegistry } from '../../src/pipeline/health.ts';
import { SelfMetrics } from '../../src/telemetry/self-metrics.ts';
import type { TracesBatch } from '../../src/model/traces.ts';
import { events, fakeRegistry, lostOrigins, pushReceivers, received, resetFakes } from '../helpers/fake-components.ts';
import { tempFiles } from '../helpers/temp-files.ts';

function graphOf(yaml: string) {
  const t = tempFiles({ 'gateway.yaml': yaml });
  try {
    const config = resolveConfig(loadConfig(t.path('gateway.yaml'), {}), fakeRegistry());
    const health = new HealthRegistry();
    const logs: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push((JSON.parse(line) as { msg: string }).msg) });
    return { graph: new PipelineGraph(config, { logger, selfMetrics: new SelfMetrics(), health }), health, logs };
  } finally {
    t.cleanup();
  }
}

function gauge(name: string, value: number): MetricsBatch {
  return {
    resourceMetrics: [
      {
        resource: { attributes: { 'service.name': 'api' } },
        schemaUrl: '',
        scopeMetrics: [{ scope: { name: 's', version: '', attributes: {} }, schemaUrl: '', metrics: [{ type: 'gauge', name, description: '', unit: '', points: [{ attributes: {}, startTimeUnixNano: 0, timeUnixNano: 1, flags: 0, value }] }] }],
      },
    ],
  };
}

const pointAttributes = (b: MetricsBatch | TracesBatch) => (b as MetricsBatch).resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.points[0]!.attributes;

beforeEach(resetFakes);

describe('pipeline graph', () => {
  it('feeds one receiver into several pipelines, each with its own processors, without one seeing the other’s changes', async () => {
    const { graph } = graphOf(`
receivers: { push: }
processors: { label/a: { key: team, value: a }, label/b: { key: team, value: b } }
exporters: { memory/a: , memory/b: }
service:
  pipelines:
    metrics/a: { receivers: [push], processors: [label/a], exporters: [memory/a] }
    metrics/b: { receivers: [push], processors: [label/b], exporters: [memory/b] }
`);
    await graph.start();
    const input = gauge('up', 1);
    await pushReceivers.get('push')!.metrics!.consumeMetrics(input);
    await graph.shutdown();
    expect(pointAttributes(received.get('memory/a')![0]!)).toEqual({ team: 'a' });
    expect(pointAttributes(received.get('memory/b')![0]!)).toEqual({ team: 'b' });
    expect(pointAttributes(input)).toEqual({});
  });

  it('fans a pipeline out to every exporter, and shares an exporter between pipelines', async () => {
    const { graph } = graphOf(`
receivers: { push/1: , push/2: }
exporters: { memory/x: , memory/y: }
service:
  pipelines:
    metrics/1: { receivers: [push/1], exporters: [memory/x, memory/y] }
    metrics/2: { receivers: [push/2], exporters: [memory/y] }
`);
    await graph.start();
    await pushReceivers.get('push/1')!.metrics!.consumeMetrics(gauge('one', 1));
    await pushReceivers.get('push/2')!.metrics!.consumeMetrics(gauge('two', 2));
    await graph.shutdown();
    expect(received.get('memory/x')).toHaveLength(1);
    expect(received.get('memory/y')).toHaveLength(2);
    expect(events.filter((e) => e === 'start memory/y')).toHaveLength(1);
  });

  it('answers a fan-out where one exporter is full as retryable, though the others took the batch: a retry reaches them again, as in the Collector', async () => {
    const { graph } = graphOf(`
receivers: { push: }
exporters: { memory/ok: , memory/full: { full: true } }
service:
  pipelines:
    metrics: { receivers: [push], exporters: [memory/ok, memory/full] }
`);
    await graph.start();
    const send = () => pushReceivers.get('push')!.metrics!.consumeMetrics(gauge('requests', 1));
    await expect(send()).rejects.toMatchObject({ retryable: true, retryAfterMs: 1000, message: 'memory/full: the sending queue is full' });
    await expect(send()).rejects.toMatchObject({ retryable: true }); // the SDK's retry of the same data
    await graph.shutdown();
    expect(received.get('memory/ok')).toHaveLength(2); // documented in the README: delta points counted twice there
  });

  it('joins a traces pipeline to a metrics pipeline through a connector', async () => {
    const { graph } = graphOf(`
receivers: { push: }
connectors: { spancount: }
exporters: { memory: }
service:
  pipelines:
    traces: { receivers: [push], exporters: [spancount] }
    metrics: { receivers: [spancount], exporters: [memory] }
`);
    await graph.start();
    const span = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), parentSpanId: '', traceState: '', name: 'GET /items', kind: 2, startTimeUnixNano: 0, endTimeUnixNano: 5, attributes: {}, events: [], links: [], status: { code: 0, message: '' } };
    await pushReceivers.get('push')!.traces!.consumeTraces({ resourceSpans: [{ resource: { attributes: {} }, schemaUrl: '', scopeSpans: [{ scope: { name: '', version: '', attributes: {} }, schemaUrl: '', spans: [span] }] }] });
    await graph.shutdown();
    const out = received.get('memory')![0] as MetricsBatch;
    expect(out.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.name).toBe('GET /items');
  });

  it('starts exporters first and receivers last, and shuts down in the reverse order', async () => {
    const { graph, health } = graphOf(`
receivers: { push: }
processors: { label: { key: k, value: v } }
exporters: { memory: }
service:
  pipelines:
    metrics: { receivers: [push], processors: [label], exporters: [memory] }
`);
    expect(health.ready()).toBe(false);
    await graph.start();
    expect(health.ready()).toBe(true);
    await graph.shutdown();
    expect(events).toEqual(['start memory', 'start label', 'start push', 'shutdown push', 'shutdown label', 'shutdown memory']);
    expect(health.all().every((s) => s.state === 'stopped')).toBe(true);
  });

  it('shuts down what it started when a component fails to start, and reports the failure', async () => {
    const { graph, health } = graphOf(`
receivers: { push: { fail_start: true } }
exporters: { memory: }
service:
  pipelines:
    metrics: { receivers: [push], exporters: [memory] }
`);
    await expect(graph.start()).rejects.toThrow('push cannot start');
    expect(events).toEqual(['start memory', 'shutdown memory']);
    expect(health.all().find((s) => s.id === 'push')!.state).toBe('failed');
  });

  it('leaves out an exporter whose config switches it off, and turns off a pipeline left with none, saying so once', async () => {
    const { graph, logs } = graphOf(`
receivers: { push: }
exporters: { memory/on: , memory/off: { off: true } }
service:
  pipelines:
    metrics/both: { receivers: [push], exporters: [memory/on, memory/off] }
    metrics/dark: { receivers: [push], exporters: [memory/off] }
`);
    await graph.start();
    await pushReceivers.get('push')!.metrics!.consumeMetrics(gauge('up', 1));
    await graph.shutdown();
    expect(received.get('memory/on')).toHaveLength(1);
    expect(received.has('memory/off')).toBe(false);
    expect(events).not.toContain('start memory/off');
    expect(logs).toEqual(['Exporter memory/off is off in pipeline metrics/both: it is switched off.', 'Pipeline metrics/dark is off: it is switched off.']);
  });

  it('leaves out a receiver whose config switches it off, and turns off a pipeline left with none, saying so once', async () => {
    const { graph, logs } = graphOf(`
receivers: { push/on: , push/off: { off: true } }
exporters: { memory/a: , memory/b: }
service:
  pipelines:
    metrics/both: { receivers: [push/on, push/off], exporters: [memory/a] }
    metrics/dark: { receivers: [push/off], exporters: [memory/b] }
`);
    await graph.start();
    await graph.shutdown();
    expect(events).not.toContain('start push/off');
    expect(events).not.toContain('start memory/b');
    expect(events).toContain('start push/on');
    expect(logs).toEqual(['Receiver push/off is off in pipeline metrics/both: it has nothing to receive.', 'Pipeline metrics/dark is off: it has nothing to receive.']);
  });

  it('refuses pipelines that feed themselves through a connector', () => {
    expect(() =>
      graphOf(`
receivers: { push: }
connectors: { spancount: }
exporters: { memory: }
service:
  pipelines:
    traces: { receivers: [push], exporters: [spancount] }
    metrics: { receivers: [spancount], exporters: [spancount, memory] }
`),
    ).toThrow(ConfigError);
  });

  it('delivers a receiver\'s originsLost to every component downstream of it, in data order, through connectors, and to nothing else', () => {
    const { graph } = graphOf(`
receivers: { push/a: , push/b: }
processors: { label: { key: k, value: v } }
connectors: { spancount: }
exporters: { memory/x: , memory/y: }
service:
  pipelines:
    traces: { receivers: [push/a], exporters: [spancount] }
    metrics/x: { receivers: [spancount], processors: [label], exporters: [memory/x] }
    metrics/y: { receivers: [push/b], exporters: [memory/y] }
`);
    expect(graph).toBeDefined();
    events.length = 0;
    lostOrigins.get('push/a')!(['push/a/p1']);
    // In data order: a stage that holds data back sends it on before the stages after it forget.
    expect(events).toEqual(['forget spancount push/a/p1', 'forget label push/a/p1', 'forget memory/x push/a/p1']);
    events.length = 0;
    lostOrigins.get('push/b')!(['push/b/p0']);
    expect(events).toEqual(['forget memory/y push/b/p0']);
  });
});
