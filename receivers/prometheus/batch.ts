import type { Attributes, Resource } from '../../src/model/common.ts';
import type { Metric, MetricsBatch, NumberDataPoint, ResourceMetrics } from '../../src/model/metrics.ts';
import { VERSION } from '../../src/version.ts';
import type { ScrapedSeries } from './to-otlp.ts';

export const SCOPE_NAME = 'switchyard/receiver/prometheus';

/**
 * The resource of a scraped target, as the Collector's prometheus receiver writes it: `job` is
 * `service.name`, `instance` is `service.instance.id`, and the instance's host and port, with the
 * scheme, are `server.address`, `server.port` and `url.scheme`.
 */
export function targetResource(job: string, instance: string, scheme: string): Resource {
  const attributes: Attributes = { 'service.name': job, 'service.instance.id': instance };
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(instance);
  if (m) {
    attributes['server.address'] = m[1] ?? m[2]!;
    attributes['server.port'] = m[3]!;
  } else if (instance !== '') attributes['server.address'] = instance;
  attributes['url.scheme'] = scheme;
  return { attributes };
}

/** One resource per (job, instance), one scope, one metric per name and type, its series as points. */
export function toBatch(series: readonly ScrapedSeries[], scheme: string): MetricsBatch {
  const resources = new Map<string, { rm: ResourceMetrics; metrics: Map<string, Metric> }>();
  for (const s of series) {
    const rkey = `${s.job}\u0000${s.instance}`;
    let r = resources.get(rkey);
    if (!r) {
      const metrics = new Map<string, Metric>();
      r = { rm: { resource: targetResource(s.job, s.instance, scheme), scopeMetrics: [{ scope: { name: SCOPE_NAME, version: VERSION, attributes: {} }, metrics: [], schemaUrl: '' }], schemaUrl: '' }, metrics };
      resources.set(rkey, r);
    }
    const mkey = `${s.metric.name}\u0000${s.metric.type}`;
    let m = r.metrics.get(mkey);
    if (!m) {
      m = newMetric(s);
      r.metrics.set(mkey, m);
      r.rm.scopeMetrics[0]!.metrics.push(m);
    }
    (m.points as ScrapedSeries['point'][]).push(s.point);
  }
  return { resourceMetrics: [...resources.values()].map((r) => r.rm) };
}

function newMetric(s: ScrapedSeries): Metric {
  const { name, description, unit } = s.metric;
  switch (s.metric.type) {
    case 'gauge':
      return { name, description, unit, type: 'gauge', points: [] };
    case 'sum':
      return { name, description, unit, type: 'sum', temporality: 'cumulative', monotonic: true, points: [] };
    case 'histogram':
      return { name, description, unit, type: 'histogram', temporality: 'cumulative', points: [] };
    case 'summary':
      return { name, description, unit, type: 'summary', points: [] };
  }
}

export interface ScrapeReport {
  up: boolean;
  durationSeconds: number;
  samplesScraped: number;
  samplesKept: number;
}

/**
 * Prometheus's own series for each scrape (`up`, `scrape_duration_seconds`, `scrape_samples_scraped`,
 * `scrape_samples_post_metric_relabeling`), as gauges of the target's resource with its static labels.
 */
export function scrapeReportSeries(job: string, instance: string, attributes: Attributes, report: ScrapeReport, scrapeMs: number): ScrapedSeries[] {
  const gauge = (name: string, description: string, unit: string, value: number): ScrapedSeries => {
    const point: NumberDataPoint = { attributes, startTimeUnixNano: 0, timeUnixNano: scrapeMs * 1e6, flags: 0, value };
    return { key: `${job}\u0000${instance}\u0000${name}\u0000gauge\u0000`, job, instance, metric: { name, description, unit, type: 'gauge' }, point };
  };
  return [
    gauge('up', 'The scraping was successful (1) or not (0).', '', report.up ? 1 : 0),
    gauge('scrape_duration_seconds', 'Duration of the scrape.', 's', report.durationSeconds),
    gauge('scrape_samples_scraped', 'The number of samples the target exposed.', '', report.samplesScraped),
    gauge('scrape_samples_post_metric_relabeling', 'The number of samples remaining after metric relabeling was applied.', '', report.samplesKept),
  ];
}
