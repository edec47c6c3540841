import { describe, expect, it } from 'vitest';
import { mergeExpositions } from '../../src/workers/exposition-merge.ts';
import { splitByWorker, workerOf } from '../../src/workers/split.ts';
import type { MetricsBatch } from '../../src/model/metrics.ts';

describe('mergeExpositions', () => {
  it('writes each family once, in name order, with the samples of every page', () => {
    const a = '# HELP b_total B.\n# TYPE b_total counter\nb_total{service="x"} 1\n# HELP d D.\n# TYPE d gauge\nd{service="x"} 4\n';
    const b = '# HELP a A.\n# TYPE a gauge\na{service="y"} 2\n# HELP b_total B.\n# TYPE b_total counter\nb_total{service="y"} 3\n';
    expect(mergeExpositions([a, b])).toBe('# HELP a A.\n# TYPE a gauge\na{service="y"} 2\n# HELP b_total B.\n# TYPE b_total counter\nb_total{service="x"} 1\nb_total{service="y"} 3\n# HELP d D.\n# TYPE d gauge\nd{service="x"} 4\n');
  });

  it('ends an OpenMetrics page with one # EOF', () => {
    const page = (s: string) => `# HELP g G.\n# TYPE g gauge\ng{s="${s}"} 1\n# EOF\n`;
    expect(mergeExpositions([page('1'), page('2')])).toBe('# HELP g G.\n# TYPE g gauge\ng{s="1"} 1\ng{s="2"} 1\n# EOF\n');
  });

  it('passes one page through unchanged, and merges empty pages into nothing', () => {
    expect(mergeExpositions(['x 1\n'])).toBe('x 1\n');
    expect(mergeExpositions(['', ''])).toBe('');
  });
});

describe('splitByWorker', () => {
  const rm = (service: string) => ({ resource: { attributes: { 'service.name': service } }, scopeMetrics: [], schemaUrl: '' });
  const services = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

  it('sends every resource of a service to the worker the routing rule names', () => {
    const batch: MetricsBatch = { resourceMetrics: services.map(rm) };
    const parts = splitByWorker('metrics', batch, 3);
    parts.forEach((part, w) => {
      for (const r of part?.resourceMetrics ?? []) expect(workerOf(r.resource.attributes, 3)).toBe(w);
    });
    expect(parts.flatMap((p) => p?.resourceMetrics ?? []).length).toBe(services.length);
  });

  it('passes a batch whose resources all go to one worker whole, and gives the others nothing', () => {
    const batch: MetricsBatch = { resourceMetrics: [rm('a'), rm('a')] };
    const parts = splitByWorker('metrics', batch, 2);
    expect(parts[workerOf({ 'service.name': 'a' }, 2)]).toBe(batch);
    expect(parts.filter((p) => p === undefined)).toHaveLength(1);
  });
});
