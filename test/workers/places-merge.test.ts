import { describe, expect, it } from 'vitest';
import { mergePlaces } from '../../src/workers/places-merge.ts';

describe('the status page places of --workers N', () => {
  it('adds up what passed each place in every worker', () => {
    const merged = mergePlaces([
      { metrics: { 'after otlp': 10, 'before prometheus': 7 }, traces: { 'after otlp': 1 } },
      { metrics: { 'after otlp': 5, 'before prometheus': 5 }, traces: { 'after otlp': 2 } },
    ]);
    expect(merged).toEqual({ metrics: { 'after otlp': 15, 'before prometheus': 12 }, traces: { 'after otlp': 3 } });
  });

  it('says null for a place whose meter was off in any worker until now', () => {
    expect(mergePlaces([{ metrics: { 'after otlp': 10 } }, { metrics: { 'after otlp': null } }])).toEqual({ metrics: { 'after otlp': null } });
  });

  it('says null for every place while a worker does not answer (restarting), so no rate spans the gap', () => {
    expect(mergePlaces([{ metrics: { 'after otlp': 10, 'before prometheus': 4 } }, undefined])).toEqual({ metrics: { 'after otlp': null, 'before prometheus': null } });
  });
});
