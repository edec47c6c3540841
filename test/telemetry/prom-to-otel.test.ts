import { spawnSync } from 'node:child_process';
import { DataPointType, type HistogramMetricData, type SumMetricData } from '@opentelemetry/sdk-metrics';
import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { promToOtel, type PromMetricJson } from '../../src/telemetry/prom-to-otel.ts';
import { SelfMetrics } from '../../src/telemetry/self-metrics.ts';
import { componentTelemetry } from '../../src/telemetry/component-telemetry.ts';

const T0: [number, number] = [1_700_000_000, 0];
const T1: [number, number] = [1_700_000_060, 0];

describe('self-metrics in the OpenTelemetry data model', () => {
  it('turns a counter into a cumulative monotonic sum named without _total, one point per label set', async () => {
    const selfMetrics = new SelfMetrics();
    const t = componentTelemetry(selfMetrics, 'otlp');
    t.accepted('metrics', 'http', 7);
    t.accepted('metrics', 'grpc', 3);
    const [sum] = promToOtel(await selfMetrics.snapshot(), T0, T1).filter((m) => m.descriptor.name === 'switchyard_receiver_accepted_points') as SumMetricData[];
    expect(sum).toMatchObject({ dataPointType: DataPointType.SUM, isMonotonic: true });
    expect(sum!.dataPoints.map((p) => [p.attributes, p.value, p.startTime, p.endTime])).toEqual([
      [{ component: 'otlp', signal: 'metrics', transport: 'http' }, 7, T0, T1],
      [{ component: 'otlp', signal: 'metrics', transport: 'grpc' }, 3, T0, T1],
    ]);
  });

  it('turns cumulative le buckets into per-bucket counts, the last one above the highest bound', async () => {
    const registry = new Registry();
    const h = new Histogram({ name: 'x_seconds', help: 'x', buckets: [0.1, 1], labelNames: ['k'], registers: [registry] });
    for (const v of [0.05, 0.5, 0.7, 5]) h.observe({ k: 'a' }, v);
    const [m] = promToOtel((await registry.getMetricsAsJSON()) as PromMetricJson[], T0, T1) as HistogramMetricData[];
    expect(m!.dataPoints).toHaveLength(1);
    expect(m!.dataPoints[0]).toMatchObject({ attributes: { k: 'a' }, value: { buckets: { boundaries: [0.1, 1], counts: [1, 2, 1] }, count: 4, sum: 6.25 } });
  });

  it('shows at level basic only the receivers’, exporters’ and process metrics, and nothing at level none', async () => {
    const selfMetrics = new SelfMetrics();
    componentTelemetry(selfMetrics, 'filter', 'metrics').dropped(2, 'filtered');
    componentTelemetry(selfMetrics, 'otlp').accepted('metrics', 'http', 1);
    const names = async () => (await selfMetrics.snapshot()).map((m) => m.name);
    expect(await names()).toContain('switchyard_processor_dropped_points_total');
    selfMetrics.level = 'basic';
    expect(await names()).not.toContain('switchyard_processor_dropped_points_total');
    expect(await names()).toContain('switchyard_receiver_accepted_points_total');
    expect((await names()).every((n) => /^switchyard_(receiver|exporter|process)_/.test(n))).toBe(true);
    expect((await selfMetrics.render()).body).not.toContain('switchyard_processor_dropped_points_total');
    const basic = (await selfMetrics.render()).body;
    expect(basic).toContain('switchyard_receiver_accepted_points_total{component="otlp",signal="metrics",transport="http"} 1');
    expect(spawnSync('promtool', ['check', 'metrics'], { input: basic, encoding: 'utf8' }).status).toBe(0);
    selfMetrics.level = 'none';
    expect(await names()).toEqual([]);
    expect((await selfMetrics.render()).body).toBe('');
  });
});
