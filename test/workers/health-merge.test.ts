import { describe, expect, it } from 'vitest';
import type { ComponentStatus } from '../../src/pipeline/health.ts';
import { combineStatuses } from '../../src/workers/health-merge.ts';

const status = (over: Partial<ComponentStatus>): ComponentStatus => ({ id: 'x', kind: 'exporter', pipelines: ['metrics'], state: 'running', lastError: null, lastOk: null, details: {}, ...over });

describe('one component status from every worker’s copy', () => {
  it('keeps the least healthy state, the latest error and the latest success', () => {
    const [merged] = combineStatuses(
      [
        [status({ state: 'running', lastOk: '2026-12-06T00:00:05.000Z', lastError: { message: 'old', time: '2026-12-06T00:00:01.000Z' } })],
        [status({ state: 'failed', lastOk: '2026-12-06T00:00:09.000Z', lastError: { message: 'new', time: '2026-12-06T00:00:03.000Z' } })],
      ],
      new Map(),
    );
    expect(merged).toMatchObject({ state: 'failed', lastOk: '2026-12-06T00:00:09.000Z', lastError: { message: 'new' } });
  });

  it('adds up queue sizes and keeps the oldest queue age, and gives a pull exporter the main thread’s endpoint', () => {
    const [merged] = combineStatuses(
      [[status({ details: { queue_items: 3, queue_oldest_age_seconds: 4.5, endpoint: 'worker' } })], [status({ details: { queue_items: 2, queue_oldest_age_seconds: 1 } })]],
      new Map([['x', '127.0.0.1:8889']]),
    );
    expect(merged!.details).toEqual({ queue_items: 5, queue_oldest_age_seconds: 4.5, endpoint: '127.0.0.1:8889' });
  });

  it('shows the memory limiter of the worker closest to its hard limit, refusing when any worker refuses', () => {
    const limiter = (used: number, hard: number, refusing: boolean) => status({ id: 'memory_limiter', kind: 'processor', details: { memory_used_mib: used, memory_soft_limit_mib: hard * 0.75, memory_hard_limit_mib: hard, refusing } });
    const [merged] = combineStatuses([[limiter(100, 1000, false)], [limiter(90, 120, true)]], new Map());
    expect(merged!.details).toEqual({ memory_used_mib: 90, memory_soft_limit_mib: 90, memory_hard_limit_mib: 120, refusing: true });
  });

  it('adds up a cardinality processor’s series per metric and distinct label values, largest first', () => {
    const cardinality = (series: { metric: string; series: number }[], top: { metric: string; label: string; distinct_values: number; capped?: true }[]) =>
      status({ id: 'cardinality', kind: 'processor', details: { series_by_metric: series, top_labels: top } });
    const [merged] = combineStatuses(
      [
        [cardinality([{ metric: 'a', series: 5 }, { metric: 'b', series: 2 }], [{ metric: 'a', label: 'user', distinct_values: 600 }])],
        [cardinality([{ metric: 'b', series: 7 }], [{ metric: 'a', label: 'user', distinct_values: 500, capped: true }, { metric: 'b', label: 'path', distinct_values: 3 }])],
      ],
      new Map(),
    );
    expect(merged!.details.series_by_metric).toEqual([
      { metric: 'b', series: 9 },
      { metric: 'a', series: 5 },
    ]);
    expect(merged!.details.top_labels).toEqual([
      { metric: 'a', label: 'user', distinct_values: 1100, capped: true },
      { metric: 'b', label: 'path', distinct_values: 3 },
    ]);
  });

  it('lists a component once per pipeline set, however many workers run it', () => {
    const all = combineStatuses([[status({}), status({ id: 'y' })], [status({}), status({ id: 'y' })]], new Map());
    expect(all.map((s) => s.id)).toEqual(['x', 'y']);
  });
});
