import { describe, expect, it } from 'vitest';
import type { Attributes } from '../../../src/model/common.ts';
import type { Metric, MetricsBatch, NumberDataPoint } from '../../../src/model/metrics.ts';
import { ratioProcessorFactory } from '../../../src/processors/ratio/factory.ts';
import { RatioTransform } from '../../../src/processors/ratio/ratio.ts';

const S = 1e9; // ns per second
const T0 = 1_700_000_000 * S;

/** A point: labels, value, time (s) and start time (s; default long before the window: a running series). */
type P = [labels: Attributes, value: number, atSecond: number, startSecond?: number];

function counter(name: string, temporality: 'cumulative' | 'delta', points: P[]): Metric {
  return { name, description: '', unit: '', type: 'sum', temporality, monotonic: true, points: points.map(([attributes, value, at, start = -1000]) => ({ attributes, startTimeUnixNano: T0 + start * S, timeUnixNano: T0 + at * S, flags: 0, value })) };
}
const batch = (...metrics: Metric[]): MetricsBatch => ({ resourceMetrics: [{ resource: { attributes: { 'service.name': 'api' } }, schemaUrl: '', scopeMetrics: [{ scope: { name: '', version: '', attributes: {} }, schemaUrl: '', metrics }] }] });

const PROBE = ratioProcessorFactory.configSchema.parse({
  window: '5m',
  ratios: [{ name: 'prompter_probe_failure_ratio', numerator: 'prompter_probe_failures_total', denominator: 'prompter_probe_attempts_total', by: ['provider'] }],
});

function ratios(out: MetricsBatch, name = 'prompter_probe_failure_ratio'): [Attributes, number, number][] {
  return out.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.filter((m) => m.name === name).flatMap((m) => (m.points as NumberDataPoint[]).map((p) => [p.attributes, p.value, (p.timeUnixNano - T0) / S] as [Attributes, number, number]))));
}

const openai = { provider: 'openai' };
const fail = (v: number, at: number) => counter('prompter_probe_failures_total', 'cumulative', [[openai, v, at]]);
const tries = (v: number, at: number) => counter('prompter_probe_attempts_total', 'cumulative', [[openai, v, at]]);

describe('ratio processor', () => {
  it('divides the increases over the window at a steady rate, stamped with the denominator point’s time', () => {
    const r = new RatioTransform(PROBE);
    r.processMetrics(batch(fail(100, 0), tries(1000, 0))); // baselines: started long before the window
    expect(ratios(r.processMetrics(batch(fail(110, 60), tries(1100, 60))))).toEqual([[openai, 0.1, 60]]);
    expect(ratios(r.processMetrics(batch(fail(130, 120), tries(1200, 120))))).toEqual([[openai, 0.15, 120]]);
    // At 420 s the window (120, 420] starts at the 120 s sample: (160-130)/(1500-1200).
    expect(ratios(r.processMetrics(batch(fail(160, 420), tries(1500, 420))))).toEqual([[openai, 0.1, 420]]);
  });

  it('keeps the increase exact across a counter reset in the window', () => {
    const r = new RatioTransform(PROBE);
    r.processMetrics(batch(fail(10, 0), tries(100, 0)));
    r.processMetrics(batch(fail(20, 60), tries(200, 60)));
    // Restarted at 100 s: values from zero again; increases 20 − 10 + 5 and 200 − 100 + 50.
    expect(ratios(r.processMetrics(batch(counter('prompter_probe_failures_total', 'cumulative', [[openai, 5, 120, 100]]), counter('prompter_probe_attempts_total', 'cumulative', [[openai, 50, 120, 100]])))).map(([, v]) => v)).toEqual([15 / 150]);
  });

  it('counts a label set that appears late in full from its start within the window, summed into its group', () => {
    const config = ratioProcessorFactory.configSchema.parse({ window: '5m', ratios: [{ name: 'r', numerator: 'f', denominator: 'a', by: ['provider'] }] });
    const r = new RatioTransform(config);
    r.processMetrics(batch(counter('f', 'cumulative', [[{ provider: 'x', model: 'm1' }, 0, 0, -1000]]), counter('a', 'cumulative', [[{ provider: 'x', model: 'm1' }, 0, 0, -1000]])));
    const out = r.processMetrics(batch(
      counter('f', 'cumulative', [[{ provider: 'x', model: 'm1' }, 2, 60, -1000], [{ provider: 'x', model: 'm2' }, 3, 60, 30]]),
      counter('a', 'cumulative', [[{ provider: 'x', model: 'm1' }, 10, 60, -1000], [{ provider: 'x', model: 'm2' }, 10, 60, 30]]),
    ));
    expect(ratios(out, 'r')).toEqual([[{ provider: 'x' }, 5 / 20, 60]]);
  });

  it('takes delta inputs, and mixes delta and cumulative', () => {
    const r = new RatioTransform(PROBE);
    r.processMetrics(batch(counter('prompter_probe_failures_total', 'delta', [[openai, 1, 60, 0]]), tries(1000, 0)));
    const out = r.processMetrics(batch(counter('prompter_probe_failures_total', 'delta', [[openai, 2, 120, 60]]), tries(1040, 120)));
    expect(ratios(out)).toEqual([[openai, 3 / 40, 120]]);
  });

  it('gives the same answer whether numerator or denominator points come first in a batch', () => {
    const a = new RatioTransform(PROBE);
    const b = new RatioTransform(PROBE);
    a.processMetrics(batch(fail(0, 0), tries(0, 0)));
    b.processMetrics(batch(tries(0, 0), fail(0, 0)));
    expect(ratios(a.processMetrics(batch(fail(4, 60), tries(16, 60))))).toEqual(ratios(b.processMetrics(batch(tries(16, 60), fail(4, 60)))));
  });

  it('counts a numerator point that arrives in a later batch than its denominator toward the next ratio', () => {
    const r = new RatioTransform(PROBE);
    r.processMetrics(batch(fail(0, 0), tries(0, 0)));
    expect(ratios(r.processMetrics(batch(tries(10, 60))))).toEqual([[openai, 0, 60]]);
    r.processMetrics(batch(fail(5, 60)));
    expect(ratios(r.processMetrics(batch(tries(20, 120))))).toEqual([[openai, 5 / 20, 120]]);
  });

  it('emits nothing, never NaN, when the denominator did not increase', () => {
    const r = new RatioTransform(PROBE);
    r.processMetrics(batch(fail(0, 0), tries(7, 0)));
    expect(ratios(r.processMetrics(batch(fail(0, 60), tries(7, 60))))).toEqual([]);
  });

  it('derives the 5xx share from one metric with match_labels on the numerator', () => {
    const config = ratioProcessorFactory.configSchema.parse({ ratios: [{ name: 'starlette_requests_error_ratio', numerator: { metric: 'starlette_requests_total', match_labels: { status: '^5' } }, denominator: 'starlette_requests_total', by: ['service', 'env'] }] });
    const r = new RatioTransform(config);
    const req = (s200: number, s503: number, s404: number, at: number) =>
      counter('starlette_requests_total', 'cumulative', [[{ service: 'api', env: 'prod', status: 200 }, s200, at], [{ service: 'api', env: 'prod', status: 503 }, s503, at], [{ service: 'api', env: 'prod', status: 404 }, s404, at]]);
    r.processMetrics(batch(req(0, 0, 0, 0)));
    expect(ratios(r.processMetrics(batch(req(90, 6, 4, 60))), 'starlette_requests_error_ratio')).toEqual([[{ service: 'api', env: 'prod' }, 0.06, 60]]);
  });

  it('adds the ratio as a unit-1 gauge beside the inputs, leaving them as they were', () => {
    const r = new RatioTransform(PROBE);
    r.processMetrics(batch(fail(0, 0), tries(0, 0)));
    const out = r.processMetrics(batch(fail(1, 60), tries(4, 60)));
    const names = out.resourceMetrics[0]!.scopeMetrics[0]!.metrics.map((m) => `${m.name}:${m.type}:${m.unit}`);
    expect(names).toEqual(['prompter_probe_failures_total:sum:', 'prompter_probe_attempts_total:sum:', 'prompter_probe_failure_ratio:gauge:1']);
  });
});
