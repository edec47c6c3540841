import { describe, expect, it } from 'vitest';
import { EdgeMeters, meteredTraces } from '../../src/pipeline/edge-meters.ts';
import type { TracesBatch } from '../../src/model/traces.ts';

const spans = (n: number): TracesBatch => ({
  resourceSpans: [{ resource: { attributes: {} }, schemaUrl: '', scopeSpans: [{ scope: { name: 's', version: '', attributes: {} }, schemaUrl: '', spans: Array.from({ length: n }, () => ({}) as TracesBatch['resourceSpans'][number]['scopeSpans'][number]['spans'][number]) }] }],
});

describe('edge meters', () => {
  it('count nothing until read, then count every item passing until the lease ends', async () => {
    const meters = new EdgeMeters();
    const seen: number[] = [];
    const place = meteredTraces({ consumeTraces: async (b) => void seen.push(b.resourceSpans.length) }, meters.meter('traces', ['after otlp', 'before memory_limiter']));
    await place.consumeTraces(spans(5));
    expect(meters.read(50)).toEqual({ traces: { 'after otlp': null, 'before memory_limiter': null } });
    await place.consumeTraces(spans(3));
    await place.consumeTraces(spans(4));
    expect(meters.read(50)).toEqual({ traces: { 'after otlp': 7, 'before memory_limiter': 7 } });
    await new Promise((r) => setTimeout(r, 80));
    await place.consumeTraces(spans(9)); // the lease ended: not counted
    expect(meters.read(50)).toEqual({ traces: { 'after otlp': null, 'before memory_limiter': null } });
    expect(seen).toHaveLength(4); // every batch passed on, counted or not
    meters.stop();
  });
});
