import { attributesKey, seriesKey as pointSeriesKey } from '../../src/model/series-key.ts';
import type { AttributeValue, Attributes, Resource } from '../../src/model/common.ts';
import type { ExponentialHistogramDataPoint, HistogramDataPoint, Metric, MetricsBatch, NumberDataPoint } from '../../src/model/metrics.ts';
import { FLAG_NO_RECORDED_VALUE } from '../../src/model/metrics.ts';
import { exponentialToExplicit } from '../../src/model/exponential-to-explicit.ts';
import { ExpiringMap } from './expiring-map.ts';
import { explicitBuckets, exponentialBuckets } from './histogram-buckets.ts';
import { CumulativeIncreases, counterDifference } from './cumulative-increases.ts';
import { histogramDifference, type HistogramPopulation } from './histogram-increases.ts';
import { bucketsToSketch, type SketchValues } from './histogram-sketch.ts';
import { ddMetricName, ddTag } from './tags.ts';

/** One point of one DataDog series, as queued and sent. */
export interface DdPoint {
  metric: string;
  type: 'count' | 'gauge';
  /** Unix seconds. */
  timestamp: number;
  value: number;
  tags: string[];
  host?: string;
  /** Seconds the count covers. */
  interval?: number;
}

/** One histogram point of one series as a DDSketch, for the sketches intake. */
export interface DdSketch extends SketchValues {
  type: 'sketch';
  metric: string;
  /** Unix seconds. */
  timestamp: number;
  tags: string[];
  host?: string;
}

/** What the exporter queues: series points and sketches. */
export type DdItem = DdPoint | DdSketch;

export interface TranslateOptions {
  histogramMode: 'distributions' | 'nobuckets' | 'counters';
  resourceAttributesAsTags: boolean;
  /** The `env` tag of a series that names none itself (config `env`; empty: none). */
  defaultEnv?: string;
  /** Unix ns the gateway started: a cumulative series that began before is only a baseline at first. */
  startedAtNs: number;
  deltaTtlMs: number;
}

const HOUR_S = 3600;
const SERVICE_KEYS = new Set(['service.name', 'deployment.environment.name', 'deployment.environment', 'service.version']);
const AHEAD_S = 600;

/**
 * OTLP → DataDog series, as DataDog's own OpenTelemetry exporter maps them: monotonic cumulative sums
 * become counts of the increase since the previous point (a reset counts in full; a series' first point
 * is sent in full only if it started after the gateway, else it is the baseline), delta sums are counts,
 * gauges and non-monotonic sums are gauges; histograms become sketches (`distributions`) or series. Points
 * the intake would refuse (over 1 h old, over 10 min ahead) are left out and counted.
 */
export class DatadogTranslator {
  private readonly counts: CumulativeIncreases<number>;
  private readonly histograms: CumulativeIncreases<HistogramPopulation>;
  /** The time of each delta series' last point: successive ones cover successive intervals. */
  private readonly lastDelta: ExpiringMap<number>;
  /** The configured `env` as a tag ('' when none). */
  private readonly defaultEnvTag: string;

  constructor(private readonly options: TranslateOptions) {
    this.defaultEnvTag = options.defaultEnv ? ddTag('env', options.defaultEnv) : '';
    this.counts = new CumulativeIncreases(options.startedAtNs, options.deltaTtlMs, counterDifference);
    this.histograms = new CumulativeIncreases(options.startedAtNs, options.deltaTtlMs, histogramDifference);
    this.lastDelta = new ExpiringMap(options.deltaTtlMs);
  }

  translate(batch: MetricsBatch, nowMs: number): { items: DdItem[]; outOfWindow: number } {
    const items: DdItem[] = [];
    let outOfWindow = 0;
    const nowS = nowMs / 1000;
    for (const rm of batch.resourceMetrics) {
      const { tags: resourceTags, host } = this.resourceTags(rm.resource);
      // A series is one process's: two workers of a service on one host differ only in their resource.
      const resourceKey = attributesKey(rm.resource.attributes);
      const hostField = host ? { host } : {};
      for (const sm of rm.scopeMetrics) {
        for (const m of sm.metrics) {
          for (const p of m.points) {
            if (p.flags & FLAG_NO_RECORDED_VALUE) continue;
            const ts = Math.round(p.timeUnixNano / 1e9);
            if (ts < nowS - HOUR_S || ts > nowS + AHEAD_S) {
              outOfWindow++;
              continue;
            }
            const tags = pointTags(resourceTags, p.attributes, this.defaultEnvTag);
            const out: SeriesOut = (metric, type, value, extraTags = [], interval) =>
              items.push({ metric: ddMetricName(metric), type, timestamp: ts, value, tags: extraTags.length ? [...tags, ...extraTags] : tags, ...hostField, ...(interval ? { interval } : {}) });
            const sketchOut = (values: SketchValues) => items.push({ type: 'sketch', metric: ddMetricName(m.name), timestamp: ts, tags, ...hostField, ...values });
            this.point(m, p, nowMs, resourceKey, out, sketchOut);
          }
        }
      }
    }
    this.counts.sweep(nowMs);
    this.histograms.sweep(nowMs);
    this.lastDelta.sweep(nowMs);
    return { items, outOfWindow };
  }

  private point(m: Metric, p: Metric['points'][number], nowMs: number, resourceKey: string, out: SeriesOut, sketchOut: (values: SketchValues) => void): void {
    const pointKey = pointSeriesKey(p.attributes);
    const seriesKey = (suffix: string, extra = '') => `${m.name}${suffix}|${resourceKey}|${pointKey}|${extra}`;
    if ('temporality' in m && m.temporality === 'delta' && !this.newDelta(seriesKey(''), p.timeUnixNano, nowMs)) return;
    switch (m.type) {
      case 'gauge':
        out(m.name, 'gauge', (p as NumberDataPoint).value);
        return;
      case 'sum': {
        const v = (p as NumberDataPoint).value;
        if (!m.monotonic) out(m.name, 'gauge', v);
        else if (m.temporality === 'delta') out(m.name, 'count', v, [], intervalOf(p.startTimeUnixNano, p.timeUnixNano));
        else this.count(seriesKey(''), p, v, nowMs, (d, i) => out(m.name, 'count', d, [], i));
        return;
      }
      case 'histogram':
      case 'exponential_histogram': {
        if (this.options.histogramMode === 'distributions') {
          const buckets = m.type === 'histogram' ? explicitBuckets(p as HistogramDataPoint) : exponentialBuckets(p as ExponentialHistogramDataPoint);
          const h = p as HistogramDataPoint | ExponentialHistogramDataPoint;
          const delta = m.temporality === 'delta';
          const increase = delta ? { buckets, sum: h.sum } : this.histograms.increase(seriesKey(''), h.startTimeUnixNano, h.timeUnixNano, { buckets, count: h.count, sum: h.sum }, nowMs)?.value;
          const sketch = increase && bucketsToSketch(increase.buckets, increase.sum, { min: h.min, max: h.max, exact: delta });
          if (sketch) sketchOut(sketch);
          return;
        }
        const h = m.type === 'histogram' ? (p as HistogramDataPoint) : exponentialToExplicit(p as Parameters<typeof exponentialToExplicit>[0]);
        const cumulative = m.temporality === 'cumulative';
        const emit = (suffix: string, value: number, tags: string[] = [], extraKey = '') => {
          if (!cumulative) return out(`${m.name}${suffix}`, 'count', value, tags, intervalOf(p.startTimeUnixNano, p.timeUnixNano));
          this.count(seriesKey(suffix, extraKey), p, value, nowMs, (d, i) => out(`${m.name}${suffix}`, 'count', d, tags, i));
        };
        if (this.options.histogramMode === 'counters') {
          h.bucketCounts.forEach((c, i) => {
            const lower = i === 0 ? '-inf' : String(h.explicitBounds[i - 1]);
            const upper = i < h.explicitBounds.length ? String(h.explicitBounds[i]) : 'inf';
            emit('.bucket', c, [`lower_bound:${lower}`, `upper_bound:${upper}`], `${lower}:${upper}`);
          });
        } else {
          emit('.count', h.count);
          if (h.sum !== undefined) emit('.sum', h.sum);
          // min and max are only meaningful for the interval of a delta point.
          if (!cumulative && h.min !== undefined) out(`${m.name}.min`, 'gauge', h.min);
          if (!cumulative && h.max !== undefined) out(`${m.name}.max`, 'gauge', h.max);
        }
        return;
      }
      case 'summary': {
        const s = p as (typeof m.points)[number];
        this.count(seriesKey('.count'), p, s.count, nowMs, (d, i) => out(`${m.name}.count`, 'count', d, [], i));
        this.count(seriesKey('.sum'), p, s.sum, nowMs, (d, i) => out(`${m.name}.sum`, 'count', d, [], i));
        for (const q of s.quantileValues) out(`${m.name}.quantile`, 'gauge', q.value, [`quantile:${q.quantile}`]);
        return;
      }
    }
  }

  /** Whether a delta point is new: one no newer than the series' last was sent already (a client resending). */
  private newDelta(key: string, timeNs: number, nowMs: number): boolean {
    const last = this.lastDelta.get(key);
    if (last !== undefined && timeNs <= last) return false;
    this.lastDelta.set(key, timeNs, nowMs);
    return true;
  }

  /** The increase of a cumulative series since its previous point, with the seconds it covers; nothing for a baseline. */
  private count(key: string, p: { startTimeUnixNano: number; timeUnixNano: number }, value: number, nowMs: number, emit: (delta: number, interval?: number) => void): void {
    const increase = this.counts.increase(key, p.startTimeUnixNano, p.timeUnixNano, value, nowMs);
    if (increase) emit(increase.value, intervalOf(increase.fromNs, p.timeUnixNano));
  }

  private resourceTags(resource: Resource): { tags: string[]; host: string | undefined } {
    const a = resource.attributes;
    const tags: string[] = [];
    const service = a['service.name'];
    const env = a['deployment.environment.name'] ?? a['deployment.environment'];
    if (service !== undefined) pushTag(tags, 'service', service);
    if (env !== undefined) pushTag(tags, 'env', env);
    const version = a['service.version'];
    if (version !== undefined) pushTag(tags, 'version', version);
    if (this.options.resourceAttributesAsTags) {
      for (const k in a) if (!SERVICE_KEYS.has(k)) pushTag(tags, k, a[k]!);
    }
    const host = a['datadog.host.name'] ?? a['host.name'];
    return { tags, host: host === undefined ? undefined : String(host) };
  }
}

type SeriesOut = (metric: string, type: DdPoint['type'], value: number, extraTags?: string[], interval?: number) => void;

/**
 * The resource's tags, then the point's. DataDog tags are a set: a label that sanitizes to a tag already
 * there (the pipelines copy service and env from the resource to labels) is sent once. `service` is
 * DataDog's reserved tag of unified service tagging, one value a series: a point's own `service` label
 * (a scraped app's, whose resource names the scrape job) replaces the resource's. `env`, reserved too,
 * is also one a series, as DataDog's exporter derives it: the resource's (`deployment.environment.name`,
 * else `deployment.environment`) wins over a point's `env` label (one a processor copied from another
 * resource, or the app's own); a point's label serves when the resource has none (a scraped app); else
 * `defaultEnv`, the configured `env`.
 */
function pointTags(resourceTags: readonly string[], attributes: Attributes, defaultEnv: string): string[] {
  const own = attributes.service === undefined ? '' : ddTag('service', attributes.service);
  const tags = own === '' || resourceTags.includes(own) ? [...resourceTags] : resourceTags.filter((t) => !t.startsWith('service:'));
  let hasEnv = resourceTags.some(isEnvTag);
  for (const k in attributes) {
    const tag = ddTag(k, attributes[k]!);
    if (tag === '' || tags.includes(tag)) continue;
    if (isEnvTag(tag)) {
      if (hasEnv) continue;
      hasEnv = true;
    }
    tags.push(tag);
  }
  if (!hasEnv && defaultEnv !== '') tags.push(defaultEnv);
  return tags;
}

function isEnvTag(tag: string): boolean {
  return tag.startsWith('env:');
}

/** A tag that sanitizes to nothing (no letter at all) is left out. */
function pushTag(tags: string[], key: string, value: AttributeValue): void {
  const tag = ddTag(key, value);
  if (tag !== '') tags.push(tag);
}

function intervalOf(startNs: number, endNs: number): number | undefined {
  const s = Math.round((endNs - startNs) / 1e9);
  return s >= 1 ? s : undefined;
}
