import { describe, expect, it } from 'vitest';
import type { MetricsBatch } from '../../src/model/metrics.ts';
import { TapRegistry, TapSite } from '../../src/pipeline/tap.ts';

/** A batch of `n` gauge points per metric name, point i with value i and attribute i. */
function batch(names: string[], n: number): MetricsBatch {
  return {
    resourceMetrics: [{
      resource: { attributes: { 'service.name': 'svc' } },
      schemaUrl: '',
      scopeMetrics: [{ scope: { name: 's', version: '', attributes: {} }, schemaUrl: '', metrics: names.map((name) => ({ name, description: '', unit: '1', type: 'gauge' as const, points: Array.from({ length: n }, (_, i) => ({ attributes: { i }, startTimeUnixNano: 0, timeUnixNano: 1, flags: 0, value: i })) })) }],
    }],
  };
}

const sink = () => {
  const got: MetricsBatch[] = [];
  return { got, consumer: { consumeMetrics: async (b: MetricsBatch) => void got.push(b) } };
};

describe('tap sites and taps', () => {
  it('passes the very same batch on, with or without a tap', async () => {
    const { got, consumer } = sink();
    const registry = new TapRegistry();
    const site = registry.site('metrics', ['before x'], consumer);
    const b = batch(['a'], 3);
    await site.consumeMetrics(b);
    registry.attach({ pipeline: 'metrics', position: 'before', component: 'x' }, { pointsPerSecond: 10, bufferPoints: 10 });
    await site.consumeMetrics(b);
    expect(got).toEqual([b, b]);
    expect(got[1]).toBe(b);
  });

  it('with no tap attached and no status page counting, hands the batch on without reading any of it', async () => {
    const { got, consumer } = sink();
    const site = new TapRegistry().site('metrics', ['before x'], consumer);
    const reads: PropertyKey[] = [];
    const b = new Proxy(batch(['a'], 3), { get: (target, key, receiver) => (reads.push(key), Reflect.get(target, key, receiver)) });
    await site.consumeMetrics(b);
    expect(got[0]).toBe(b);
    expect(reads).toEqual([]);
  });

  it('reads the batch again once a tap is attached (the check above could fail)', async () => {
    const registry = new TapRegistry();
    const site = registry.site('metrics', ['before x'], sink().consumer);
    registry.attach({ pipeline: 'metrics', position: 'before', component: 'x' }, { pointsPerSecond: 10, bufferPoints: 10 });
    const reads: PropertyKey[] = [];
    await site.consumeMetrics(new Proxy(batch(['a'], 3), { get: (target, key, receiver) => (reads.push(key), Reflect.get(target, key, receiver)) }));
    expect(reads).toContain('resourceMetrics');
  });

  it('keeps at most its rate of points a second, spread over the batch, and counts the rest as dropped', () => {
    const registry = new TapRegistry();
    const site: TapSite = registry.site('metrics', ['after r'], sink().consumer);
    const tap = registry.attach({ pipeline: 'metrics', position: 'after', component: 'r' }, { pointsPerSecond: 4, bufferPoints: 100 });
    void site.consumeMetrics(batch(['a', 'b'], 10));
    const points = tap.take();
    expect(points.map((p) => `${p.name}:${String(p.value)}`)).toEqual(['a:0', 'a:5', 'b:0', 'b:5']);
    expect(points[0]).toMatchObject({ labels: { i: 0 }, resource: { 'service.name': 'svc' }, metricType: 'gauge' });
    void site.consumeMetrics(batch(['a'], 10)); // same second: the rate is spent
    expect(tap.take()).toEqual([]);
    expect({ sampled: tap.sampled, dropped: tap.dropped }).toEqual({ sampled: 4, dropped: 26 });
  });

  it('drops, and never waits, when its reader leaves its buffer full', () => {
    const registry = new TapRegistry();
    const site = registry.site('metrics', ['before e'], sink().consumer);
    const tap = registry.attach({ pipeline: 'metrics', position: 'before', component: 'e' }, { pointsPerSecond: 1000, bufferPoints: 5 });
    for (let i = 0; i < 3; i++) void site.consumeMetrics(batch(['a'], 4));
    expect(tap.take()).toHaveLength(5);
    expect(tap.dropped).toBe(7);
  });

  it('takes only metrics whose name matches, and counts only those', () => {
    const registry = new TapRegistry();
    const site = registry.site('metrics', ['before e'], sink().consumer);
    const tap = registry.attach({ pipeline: 'metrics', position: 'before', component: 'e' }, { match: /^b/, pointsPerSecond: 1, bufferPoints: 5 });
    void site.consumeMetrics(batch(['a', 'b'], 3));
    expect(tap.take().map((p) => p.name)).toEqual(['b']);
    expect(tap.dropped).toBe(2);
  });

  it('knows one place by both its names, and refuses an unknown one naming those it has', () => {
    const registry = new TapRegistry();
    registry.setOrder('m', ['after r', 'before p', 'after p', 'before e']);
    const entry = registry.site('m', ['after p', 'before e'], sink().consumer);
    registry.site('m', ['before p'], entry);
    registry.site('m', ['after r'], entry);
    expect(registry.list()).toEqual({ m: ['after r', 'before p', 'after p', 'before e'] });
    expect(() => registry.attach({ pipeline: 'm', position: 'after', component: 'e' }, { pointsPerSecond: 1, bufferPoints: 1 })).toThrow('pipeline "m" has no place "after e"; it has: after r, before p, after p, before e');
    const tap = registry.attach({ pipeline: 'm', position: 'before', component: 'e' }, { pointsPerSecond: 1, bufferPoints: 1 });
    expect(registry.attached()).toEqual([{ site: 'm before e', sampled: 0, dropped: 0 }]);
    registry.closeAll('reload');
    expect(tap.closed).toBe('reload');
    expect(registry.attached()).toEqual([]);
  });
});
