import { describe, expect, it } from 'vitest';
import { readSelfCounts } from '../../src/admin/self-counts.ts';
import { statusDocument, type StatusInputs } from '../../src/admin/status-model.ts';
import type { PipelineTopology } from '../../src/pipeline/graph.ts';
import { HealthRegistry } from '../../src/pipeline/health.ts';
import { componentTelemetry } from '../../src/telemetry/component-telemetry.ts';
import { SelfMetrics } from '../../src/telemetry/self-metrics.ts';

const METRICS: PipelineTopology = { id: 'metrics/a', signal: 'metrics', receivers: ['otlp', 'spanmetrics'], processors: ['memory_limiter', 'cardinality'], exporters: ['prometheus', 'remote'] };
const TRACES: PipelineTopology = { id: 'traces', signal: 'traces', receivers: ['otlp'], processors: [], exporters: ['spanmetrics'] };

async function inputs(): Promise<StatusInputs> {
  const self = new SelfMetrics();
  const health = new HealthRegistry();
  for (const [id, kind, pipelines] of [['otlp', 'receiver', ['metrics/a', 'traces']], ['spanmetrics', 'connector', ['traces', 'metrics/a']], ['memory_limiter', 'processor', ['metrics/a']], ['cardinality', 'processor', ['metrics/a']], ['prometheus', 'exporter', ['metrics/a']], ['remote', 'exporter', ['metrics/a']]] as const) {
    health.track(id, kind, [...pipelines]).setState('running');
  }
  health.track('memory_limiter', 'processor', ['metrics/b']).setState('running');
  componentTelemetry(self, 'otlp').accepted('metrics', 'http', 500);
  componentTelemetry(self, 'otlp').accepted('traces', 'grpc', 70);
  componentTelemetry(self, 'otlp').refused('traces', 'grpc', 3, 'memory_limit');
  componentTelemetry(self, 'memory_limiter', 'metrics/a').processorRefused('metrics', 40, 'memory_limit');
  componentTelemetry(self, 'memory_limiter', 'metrics/b').processorRefused('metrics', 9, 'memory_limit');
  componentTelemetry(self, 'cardinality', 'metrics/a').dropped(12, 'cardinality_limit');
  componentTelemetry(self, 'remote').failed('metrics', 8, 'connection_refused');
  componentTelemetry(self, 'remote').sent('metrics', 300);
  componentTelemetry(self, 'remote').queueSize(25);
  return {
    now: 1_000_000,
    version: '1.2.3',
    uptimeSeconds: 60,
    ready: true,
    stopping: false,
    config: { generation: 2, digest: 'abcdef012345', loaded_at: '2026-01-01T00:00:00.000Z', files: ['gateway.yaml'], last_reload: { time: '2026-01-01T00:00:00.000Z', ok: true } },
    pipelines: [METRICS, TRACES],
    components: health.all(),
    counts: await readSelfCounts(self),
    places: { 'metrics/a': { 'after otlp': 480, 'after spanmetrics': 20, 'after memory_limiter': 460, 'before prometheus': 448, 'before remote': 448 }, traces: { 'after otlp': null } },
  };
}

describe('status document', () => {
  it('draws a pipeline as arrows from each receiver, between its processors in order, and to each exporter', async () => {
    const doc = statusDocument(await inputs());
    const edges = doc.pipelines[0]!.edges.map((e) => [e.place, e.from, e.to, e.items]);
    expect(edges).toEqual([
      ['after otlp', 'otlp', 'memory_limiter', 480],
      ['after spanmetrics', 'spanmetrics', 'memory_limiter', 20],
      ['after memory_limiter', 'memory_limiter', 'cardinality', 460],
      ['before prometheus', 'cardinality', 'prometheus', 448],
      ['before remote', 'cardinality', 'remote', 448],
    ]);
  });

  it('puts on each arrow what its target refused, dropped or failed, in that pipeline only', async () => {
    const [metrics, traces] = statusDocument(await inputs()).pipelines;
    const lost = (p: typeof metrics, place: string) => {
      const e = p!.edges.find((x) => x.place === place)!;
      return [e.refused, e.dropped, e.failed];
    };
    expect(lost(metrics, 'after otlp')).toEqual([40, 0, 0]); // into memory_limiter of metrics/a, not metrics/b's 9
    expect(lost(metrics, 'after memory_limiter')).toEqual([0, 12, 0]);
    expect(lost(metrics, 'before remote')).toEqual([0, 0, 8]);
    expect(lost(metrics, 'before prometheus')).toEqual([0, 0, 0]);
    // No processor: the receiver's refusals of the pipeline's signal; a place not counted yet is null.
    expect(traces!.edges.map((e) => [e.place, e.from, e.to, e.items, e.refused])).toEqual([
      ['after otlp', 'otlp', null, null, 3],
      ['before spanmetrics', null, 'spanmetrics', null, 0],
    ]);
  });

  it('gives each component its own counters, a processor those of its own pipeline', async () => {
    const doc = statusDocument(await inputs());
    const find = (id: string, pipeline: string) => doc.components.find((c) => c.id === id && c.pipelines.includes(pipeline))!.counts;
    expect(find('otlp', 'traces')).toMatchObject({ accepted: 570, refused: 3 });
    expect(find('memory_limiter', 'metrics/a')).toMatchObject({ refused: 40, dropped: 0 });
    expect(find('memory_limiter', 'metrics/b')).toMatchObject({ refused: 9 });
    expect(find('remote', 'metrics/a')).toEqual({ accepted: 0, refused: 0, dropped: 0, sent: 300, failed: 8, queue: 25 });
  });

  it('says degraded while a component reports an error, starting before the pipelines run, and carries the config version', async () => {
    const input = await inputs();
    expect(statusDocument(input)).toMatchObject({ status: 'ok', time: 1_000_000, config: { generation: 2, last_reload: { ok: true } } });
    const failing = input.components.map((c) => (c.id === 'remote' ? { ...c, lastError: { message: 'connect ECONNREFUSED', time: '2026-01-01T00:00:01.000Z' } } : c));
    expect(statusDocument({ ...input, components: failing }).status).toBe('degraded');
    expect(statusDocument({ ...input, ready: false }).status).toBe('starting');
    expect(statusDocument({ ...input, ready: false, stopping: true }).status).toBe('stopping');
  });
});
