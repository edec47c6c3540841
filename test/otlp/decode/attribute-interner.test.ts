import { describe, expect, it } from 'vitest';
import { AttributeInterner, decodeMetricsProto } from '../../../src/otlp/decode/index.ts';
import type { MetricsBatch, NumberDataPoint } from '../../../src/model/metrics.ts';
import { double, fixed64, len, metricsRequest, str, stringAttr } from './proto-writer.ts';

/** A gauge `g` with one point per route, at `value`. */
const request = (routes: string[], value: number) =>
  metricsRequest([...str(1, 'g'), ...len(5, routes.flatMap((route) => len(1, [...stringAttr(7, 'route', route), ...stringAttr(7, 'method', 'GET'), ...fixed64(3, 1), ...double(4, value)])))]);

const points = (b: MetricsBatch) => b.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.points as NumberDataPoint[];

describe('attribute interner', () => {
  it('gives a series the same attribute object in every request decoded with it', () => {
    const interner = new AttributeInterner();
    const one = points(decodeMetricsProto(request(['/a', '/b'], 1), interner).batch);
    const two = points(decodeMetricsProto(request(['/b', '/a', '/c'], 2), interner).batch);
    expect(two.map((p) => p.attributes)).toEqual([{ route: '/b', method: 'GET' }, { route: '/a', method: 'GET' }, { route: '/c', method: 'GET' }]);
    expect(two[0]!.attributes).toBe(one[1]!.attributes);
    expect(two[1]!.attributes).toBe(one[0]!.attributes);
    expect(two.map((p) => p.value)).toEqual([2, 2, 2]);
  });

  it('leaves requests decoded without it unshared', () => {
    const one = points(decodeMetricsProto(request(['/a'], 1)).batch);
    const two = points(decodeMetricsProto(request(['/a'], 1)).batch);
    expect(two[0]!.attributes).toEqual(one[0]!.attributes);
    expect(two[0]!.attributes).not.toBe(one[0]!.attributes);
  });

  it('stays bounded: a set unseen for two generations is decoded anew, one seen meanwhile is kept', () => {
    const interner = new AttributeInterner();
    const first = points(decodeMetricsProto(request(['/kept', '/gone'], 1), interner).batch);
    const fill = (from: number) => Array.from({ length: 16_384 }, (_, i) => `/fill/${from + i}`);
    decodeMetricsProto(request(fill(0), 1), interner);
    decodeMetricsProto(request(['/kept'], 1), interner); // found in the previous generation: moves up
    decodeMetricsProto(request(fill(16_384), 1), interner);
    const later = points(decodeMetricsProto(request(['/kept', '/gone'], 1), interner).batch);
    expect(later[0]!.attributes).toBe(first[0]!.attributes);
    expect(later[1]!.attributes).not.toBe(first[1]!.attributes);
    expect(later[1]!.attributes).toEqual(first[1]!.attributes);
  });
});
