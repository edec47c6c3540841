import pino from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { FactoryRegistry } from '../../src/component/registry.ts';
import { loadConfig } from '../../src/config/load.ts';
import { resolveConfig } from '../../src/config/resolve.ts';
import type { Attributes } from '../../src/model/common.ts';
import type { MetricsBatch } from '../../src/model/metrics.ts';
import type { TracesBatch } from '../../src/model/traces.ts';
import { PipelineGraph } from '../../src/pipeline/graph.ts';
import { HealthRegistry } from '../../src/pipeline/health.ts';
import { attributesProcessorFactory } from '../../src/processors/attributes/factory.ts';
import { renameProcessorFactory } from '../../src/processors/rename/factory.ts';
import { SelfMetrics } from '../../src/telemetry/self-metrics.ts';
import { fakeReceiverFactory, labelProcessorFactory, memoryExporterFactory, pushReceivers, received, resetFakes, spanCountConnectorFactory } from '../helpers/fake-components.ts';
import { tempFiles } from '../helpers/temp-files.ts';

/** A graph of the fake receiver, exporter and connector with the real mutating processors (attributes, rename). */
function graphOf(yaml: string): PipelineGraph {
  const t = tempFiles({ 'gateway.yaml': yaml });
  try {
    const registry = new FactoryRegistry([fakeReceiverFactory, memoryExporterFactory, labelProcessorFactory, spanCountConnectorFactory, attributesProcessorFactory, renameProcessorFactory]);
    const config = resolveConfig(loadConfig(t.path('gateway.yaml'), {}), registry);
    return new PipelineGraph(config, { logger: pino({ level: 'silent' }), selfMetrics: new SelfMetrics(), health: new HealthRegistry() });
  } finally {
    t.cleanup();
  }
}

/** One counter, `http.requests`, of two series. */
function requests(): MetricsBatch {
  const point = (attributes: Attributes, value: number) => ({ attributes, startTimeUnixNano: 0, timeUnixNano: 1, flags: 0, value });
  return {
    resourceMetrics: [
      {
        resource: { attributes: { 'service.name': 'api' } },
        schemaUrl: '',
        scopeMetrics: [{ scope: { name: 's', version: '', attributes: {} }, schemaUrl: '', metrics: [{ type: 'sum', name: 'http.requests', description: '', unit: '1', temporality: 'cumulative', monotonic: true, points: [point({ 'http.route': '/a' }, 1), point({ 'http.route': '/b' }, 2)] }] }],
      },
    ],
  };
}

/** Each metric of a batch as `name{labels}=value` lines, for comparing what each exporter got. */
function lines(b: MetricsBatch | TracesBatch): string[] {
  return (b as MetricsBatch).resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.flatMap((m) => m.points.map((p) => `${m.name}${JSON.stringify(p.attributes)}=${'value' in p ? p.value : ''}`))));
}

const RENAME = `{ labels: { http.route: route }, metrics: [{ from: http.requests, to: http_requests_total }] }`;

beforeEach(resetFakes);

describe('ownership of data at a fan-out (mutatesData)', () => {
  it('gives a renaming pipeline a copy: the plain pipeline beside it, and its queued exporter, see the data as it came', async () => {
    const graph = graphOf(`
receivers: { push: }
processors: { rename: ${RENAME}, attributes: { actions: [{ key: service, from_resource: service.name, action: upsert }] } }
exporters: { memory/renamed: , memory/plain: { delay_ms: 20 } }
service:
  pipelines:
    metrics/renamed: { receivers: [push], processors: [attributes, rename], exporters: [memory/renamed] }
    metrics/plain: { receivers: [push], exporters: [memory/plain] }
`);
    await graph.start();
    const input = requests();
    await pushReceivers.get('push')!.metrics!.consumeMetrics(input);
    await graph.shutdown();
    expect(lines(received.get('memory/renamed')![0]!)).toEqual(['http_requests_total{"route":"/a","service":"api"}=1', 'http_requests_total{"route":"/b","service":"api"}=2']);
    expect(received.get('memory/plain')![0]).toBe(input);
    expect(lines(received.get('memory/plain')![0]!)).toEqual(['http.requests{"http.route":"/a"}=1', 'http.requests{"http.route":"/b"}=2']);
  });

  it('gives each of two mutating pipelines its own batch (the last one the batch itself), and one pipeline alone the batch itself, unchanged in number of points', async () => {
    const graph = graphOf(`
receivers: { push: }
processors: { attributes/a: { actions: [{ key: team, value: a, action: upsert }] }, attributes/b: { actions: [{ key: team, value: b, action: upsert }] } }
exporters: { memory/a: , memory/b: }
service:
  pipelines:
    metrics/a: { receivers: [push], processors: [attributes/a], exporters: [memory/a] }
    metrics/b: { receivers: [push], processors: [attributes/b], exporters: [memory/b] }
`);
    await graph.start();
    const input = requests();
    const points = input.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.points;
    await pushReceivers.get('push')!.metrics!.consumeMetrics(input);
    await graph.shutdown();
    expect(lines(received.get('memory/a')![0]!)).toEqual(['http.requests{"http.route":"/a","team":"a"}=1', 'http.requests{"http.route":"/b","team":"a"}=2']);
    expect(lines(received.get('memory/b')![0]!)).toEqual(['http.requests{"http.route":"/a","team":"b"}=1', 'http.requests{"http.route":"/b","team":"b"}=2']);
    // The last mutating pipeline owned the input: its points were relabelled in place, not copied.
    expect((received.get('memory/b')![0] as MetricsBatch).resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.points[0]).toBe(points[0]);
    expect((received.get('memory/a')![0] as MetricsBatch).resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.points[0]).not.toBe(points[0]);
  });

  it('gives the pipelines a connector feeds the same treatment: a mutating one gets a copy beside a plain one', async () => {
    const graph = graphOf(`
receivers: { push: }
processors: { attributes: { actions: [{ key: team, value: a, action: upsert }] } }
connectors: { spancount: }
exporters: { memory/changed: , memory/plain: }
service:
  pipelines:
    traces: { receivers: [push], exporters: [spancount] }
    metrics/changed: { receivers: [spancount], processors: [attributes], exporters: [memory/changed] }
    metrics/plain: { receivers: [spancount], exporters: [memory/plain] }
`);
    await graph.start();
    const span = { traceId: new Uint8Array(16), spanId: new Uint8Array(8), parentSpanId: new Uint8Array(0), traceState: '', name: 'GET /a', kind: 2, startTimeUnixNano: 0, endTimeUnixNano: 5, attributes: {}, droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 0, message: '' }, flags: 0 };
    await pushReceivers.get('push')!.traces!.consumeTraces({ resourceSpans: [{ resource: { attributes: {} }, schemaUrl: '', scopeSpans: [{ scope: { name: 's', version: '', attributes: {} }, schemaUrl: '', spans: [span] }] }] } as unknown as TracesBatch);
    await graph.shutdown();
    expect(lines(received.get('memory/changed')![0]!)).toEqual(['GET /a{"team":"a"}=1']);
    expect(lines(received.get('memory/plain')![0]!)).toEqual(['GET /a{}=1']);
  });

  it('shows a tap before rename the points as they were: samples are taken and copied before the stage runs', async () => {
    const graph = graphOf(`
receivers: { push: }
processors: { rename: ${RENAME} }
exporters: { memory: }
service:
  pipelines:
    metrics: { receivers: [push], processors: [rename], exporters: [memory] }
`);
    await graph.start();
    const before = graph.taps.attach({ pipeline: 'metrics', position: 'before', component: 'rename' }, { pointsPerSecond: 100, bufferPoints: 100 });
    const after = graph.taps.attach({ pipeline: 'metrics', position: 'after', component: 'rename' }, { pointsPerSecond: 100, bufferPoints: 100 });
    await pushReceivers.get('push')!.metrics!.consumeMetrics(requests());
    expect(before.take().map((p) => [p.name, p.labels])).toEqual([['http.requests', { 'http.route': '/a' }], ['http.requests', { 'http.route': '/b' }]]);
    expect(after.take().map((p) => [p.name, p.labels])).toEqual([['http_requests_total', { route: '/a' }], ['http_requests_total', { route: '/b' }]]);
    await graph.shutdown();
  });
});
