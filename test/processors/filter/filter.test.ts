import { describe, expect, it } from 'vitest';
import type { Metric, MetricsBatch } from '../../../src/model/metrics.ts';
import { filterProcessorFactory } from '../../../src/processors/filter/factory.ts';
import { deepFreeze } from '../../helpers/deep-freeze.ts';
import { runProcessor } from '../../helpers/run-processor.ts';

const NOW = Date.now();
function batch(...metrics: [string, Record<string, string>, number][]): MetricsBatch {
  const ms: Metric[] = metrics.map(([name, attributes, msAgo]) => ({ name, description: '', unit: '', type: 'gauge', points: [{ attributes, startTimeUnixNano: 0, timeUnixNano: (NOW - msAgo) * 1e6, flags: 0, value: 1 }] }));
  return deepFreeze({ resourceMetrics: [{ resource: { attributes: {} }, schemaUrl: '', scopeMetrics: [{ scope: { name: '', version: '', attributes: {} }, schemaUrl: '', metrics: ms }] }] });
}

describe('filter processor', () => {
  it('keeps metrics by name (regexp include), then drops by name (strict exclude), counting the drops', async () => {
    const r = await runProcessor(filterProcessorFactory, { metrics: { include: { match_type: 'regexp', metric_names: ['^prompter\\.'] }, exclude: { metric_names: ['prompter.noise'] } } }, batch(['prompter.a', {}, 0], ['prompter.noise', {}, 0], ['go.gc', {}, 0]));
    expect(r.metrics.map((m) => m.name)).toEqual(['prompter.a']);
    expect(await r.dropped()).toContain('reason="metric_filtered"} 2');
  });

  it('keeps and drops points by label values', async () => {
    const config = { datapoints: { include: { labels: { 'http.route': '.+' } }, exclude: { labels: { 'http.route': '^/health' } } } };
    const r = await runProcessor(filterProcessorFactory, config, batch(['a', { 'http.route': '/v1/x' }, 0], ['b', { 'http.route': '/health/live' }, 0], ['c', {}, 0]));
    expect(r.metrics.map((m) => m.name)).toEqual(['a']);
    expect(await r.dropped()).toContain('reason="datapoint_filtered"} 2');
  });

  it('drops points outside the time window: stale and from the future', async () => {
    const r = await runProcessor(filterProcessorFactory, { max_age: '1h', max_future: '10m' }, batch(['fresh', {}, 1000], ['stale', {}, 2 * 3600_000], ['ahead', {}, -20 * 60_000]));
    expect(r.metrics.map((m) => m.name)).toEqual(['fresh']);
    const dropped = await r.dropped();
    expect(dropped).toContain('reason="too_old"} 1');
    expect(dropped).toContain('reason="in_future"} 1');
  });

  it('refuses a bad regular expression at its path', () => {
    const r = filterProcessorFactory.configSchema.safeParse({ datapoints: { exclude: { labels: { route: '(' } } } });
    expect(r.error!.issues[0]).toMatchObject({ path: ['datapoints', 'exclude', 'labels', 'route'], message: '"(" is not a valid regular expression' });
  });
});
