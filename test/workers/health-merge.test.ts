import { describe, expect, it } from 'vitest';
import type { MetricsBatch } from '../../src/model/metrics.ts';
import { statusesForMerge, type ComponentStatus } from '../../src/pipeline/health.ts';
import { CardinalityTransform } from '../../src/processors/cardinality/cardinality.ts';
import { cardinalityProcessorFactory } from '../../src/processors/cardinality/factory.ts';
import { combineStatuses } from '../../src/workers/health-merge.ts';
import { trackedSettings } from '../helpers/silent-settings.ts';

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

  it('adds up a cardinality processor’s series per metric, and unions its distinct label values, largest first', () => {
    const cardinality = (series: { metric: string; series: number }[], top: { metric: string; label: string; distinct_values: number; capped?: true; value_hashes: number[] }[]) =>
      status({ id: 'cardinality', kind: 'processor', details: { series_by_metric: series, top_labels: top } });
    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
    const [merged] = combineStatuses(
      [
        [cardinality([{ metric: 'a', series: 5 }, { metric: 'b', series: 2 }], [{ metric: 'a', label: 'user', distinct_values: 600, value_hashes: range(0, 600) }])],
        [cardinality([{ metric: 'b', series: 7 }], [{ metric: 'a', label: 'user', distinct_values: 500, capped: true, value_hashes: range(400, 900) }, { metric: 'b', label: 'path', distinct_values: 3, value_hashes: [1, 2, 3] }])],
      ],
      new Map(),
    );
    expect(merged!.details.series_by_metric).toEqual([
      { metric: 'b', series: 9 },
      { metric: 'a', series: 5 },
    ]);
    // 600 and 500 values, 200 of them seen by both workers: 900, not 1100; the hashes stay off the page.
    expect(merged!.details.top_labels).toEqual([
      { metric: 'a', label: 'user', distinct_values: 900, capped: true },
      { metric: 'b', label: 'path', distinct_values: 3 },
    ]);
  });

  it('counts a label value that services of two workers carry once, as one thread counts it', () => {
    const config = cardinalityProcessorFactory.configSchema.parse({ max_series_per_metric: 1 });
    const users = (service: string, from: number, to: number): MetricsBatch => ({
      resourceMetrics: [{
        resource: { attributes: { 'service.name': service } },
        schemaUrl: '',
        scopeMetrics: [{ scope: { name: '', version: '', attributes: {} }, schemaUrl: '', metrics: [{ name: 'logins', description: '', unit: '', type: 'gauge', points: Array.from({ length: to - from }, (_, i) => ({ attributes: { user: `u${from + i}` }, startTimeUnixNano: 0, timeUnixNano: 1, flags: 0, value: 1 })) }] }],
      }],
    });
    const transform = () => {
      const settings = trackedSettings('cardinality', 'processor');
      return { t: new CardinalityTransform(config, settings, () => 0), status: settings.status };
    };
    // The routing rule gives service a to worker 0 and b to worker 1; one thread gets both.
    const one = transform();
    one.t.processMetrics(users('a', 0, 40));
    one.t.processMetrics(users('b', 20, 60));
    const workers = [transform(), transform()];
    workers[0]!.t.processMetrics(users('a', 0, 40));
    workers[1]!.t.processMetrics(users('b', 20, 60));

    const single = statusesForMerge([one.status()])[0]!.details.top_labels as { distinct_values: number }[];
    const [merged] = combineStatuses(workers.map((w) => statusesForMerge([w.status()])), new Map());
    // Over the limit of 1 per service: u1…u39 of a, u21…u59 of b, 59 distinct values in all.
    expect(JSON.parse(JSON.stringify(one.status().details.top_labels))).toEqual([{ metric: 'logins', label: 'user', distinct_values: 59 }]);
    expect(single[0]!.distinct_values).toBe(59);
    expect(merged!.details.top_labels).toEqual([{ metric: 'logins', label: 'user', distinct_values: 59 }]);
  });

  it('lists a component once per pipeline set, however many workers run it', () => {
    const all = combineStatuses([[status({}), status({ id: 'y' })], [status({}), status({ id: 'y' })]], new Map());
    expect(all.map((s) => s.id)).toEqual(['x', 'y']);
  });
});
