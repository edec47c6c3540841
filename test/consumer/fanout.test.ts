import { describe, expect, it } from 'vitest';
import { fanOutMetrics, ownership } from '../../src/consumer/fanout.ts';
import type { MetricsConsumer } from '../../src/consumer/consumer.ts';
import type { MetricsBatch } from '../../src/model/metrics.ts';

function batch(): MetricsBatch {
  const attributes = Object.freeze({ route: '/a' });
  return {
    resourceMetrics: [
      {
        resource: { attributes: { 'service.name': 'api' } },
        schemaUrl: '',
        scopeMetrics: [{ scope: { name: 's', version: '', attributes: {} }, schemaUrl: '', metrics: [{ type: 'histogram', name: 'h', description: '', unit: 's', temporality: 'cumulative', points: [{ attributes, startTimeUnixNano: 0, timeUnixNano: 1, flags: 0, count: 1, bucketCounts: [1, 0], explicitBounds: [1] }] }] }],
      },
    ],
  };
}

function recorder() {
  const got: MetricsBatch[] = [];
  const consumer: MetricsConsumer = { consumeMetrics: async (b) => void got.push(b) };
  return { got, consumer };
}

const point = (b: MetricsBatch) => b.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.points[0]!;

describe('metrics fan-out ownership', () => {
  it('copies for every mutating consumer but the last, and for that one too when a read-only consumer shares the batch', () => {
    expect(ownership([false, false])).toEqual(['shared', 'shared']);
    expect(ownership([true])).toEqual(['given']);
    expect(ownership([true, true])).toEqual(['copy', 'given']);
    expect(ownership([true, false])).toEqual(['copy', 'shared']);
    expect(ownership([false, true, true])).toEqual(['shared', 'copy', 'copy']);
  });

  it('gives read-only consumers the batch itself and a mutating one a copy of containers and points that shares attribute sets and values', async () => {
    const [a, b] = [recorder(), recorder()];
    const input = batch();
    await fanOutMetrics([a.consumer, b.consumer], [true, false]).consumeMetrics(input);
    expect(b.got[0]).toBe(input);
    const copy = a.got[0]!;
    expect(copy).not.toBe(input);
    expect(copy).toEqual(input);
    expect(copy.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]).not.toBe(input.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]);
    expect(point(copy)).not.toBe(point(input));
    expect(point(copy).attributes).toBe(point(input).attributes);
    expect(copy.resourceMetrics[0]!.resource).toBe(input.resourceMetrics[0]!.resource);
    // What the mutating consumer changes in place stays its own.
    point(copy).attributes = { route: '/b' };
    copy.resourceMetrics[0]!.scopeMetrics[0]!.metrics.pop();
    expect(point(input).attributes).toEqual({ route: '/a' });
  });

  it('copies nothing when no consumer mutates, and gives a lone mutating consumer the batch itself', async () => {
    const [a, b] = [recorder(), recorder()];
    const input = batch();
    await fanOutMetrics([a.consumer, b.consumer]).consumeMetrics(input);
    expect(a.got[0]).toBe(input);
    expect(b.got[0]).toBe(input);
    const c = recorder();
    await fanOutMetrics([c.consumer], [true]).consumeMetrics(input);
    expect(c.got[0]).toBe(input);
  });
});
