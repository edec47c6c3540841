import { describe, expect, it } from 'vitest';
import type { Attributes } from '../../src/model/common.ts';
import type { GaugeMetric } from '../../src/model/metrics.ts';
import { relabelPoints } from '../../src/model/transform.ts';

function gauge(...sets: Attributes[]): GaugeMetric {
  return { name: 'g', description: '', unit: '', type: 'gauge', points: sets.map((attributes, i) => ({ attributes, startTimeUnixNano: 0, timeUnixNano: 1, flags: 0, value: i })) };
}

describe('relabelPoints', () => {
  it('returns the metric itself when no point changes', () => {
    const m = gauge({ a: '1' }, { a: '2' });
    expect(relabelPoints(m, (a) => a)).toBe(m);
  });

  it('copies only the points whose attributes change, and keeps the others as they are, in order', () => {
    const m = gauge({ a: '1' }, { b: '2' }, { a: '3' });
    const before = structuredClone(m);
    const out = relabelPoints(m, (a) => (a.b !== undefined ? { c: a.b } : a));
    expect(out).not.toBe(m);
    expect(out.points.map((p) => p.attributes)).toEqual([{ a: '1' }, { c: '2' }, { a: '3' }]);
    expect(out.points[0]).toBe(m.points[0]);
    expect(out.points[2]).toBe(m.points[2]);
    expect(out.points[1]).toEqual({ ...m.points[1], attributes: { c: '2' } });
    expect(m).toEqual(before);
  });

  it('copies from the first point on when the first changes', () => {
    const m = gauge({ a: '1' }, { a: '2' });
    const out = relabelPoints(m, (a) => (a.a === '1' ? { a: 'one' } : a));
    expect(out.points.map((p) => p.attributes)).toEqual([{ a: 'one' }, { a: '2' }]);
    expect(out.points[1]).toBe(m.points[1]);
  });
});
