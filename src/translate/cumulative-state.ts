import type { Attributes } from '../model/common.ts';
import type { ExponentialHistogramDataPoint, HistogramDataPoint, Metric, MetricsBatch, NumberDataPoint, SummaryDataPoint } from '../model/metrics.ts';
import { FLAG_NO_RECORDED_VALUE, sameBounds } from '../model/metrics.ts';
import { capBuckets, exponentialValue, mergeExponential, type ExponentialValue } from '../model/exponential-histogram.ts';
import { explicitBuckets } from '../model/exponential-to-explicit.ts';
import { jobAndInstance, labelSet, scopeLabels, targetInfoAttributes, type LabelSet } from './prometheus-labels.ts';
import { scaleMetric } from '../model/scale.ts';
import { attributesKey } from '../model/series-key.ts';
import { baseUnitOf } from './base-units.ts';
import { currentOrigin, forgottenWith, joinOrigin } from '../consumer/origin.ts';
import { prometheusMetricName, type PrometheusType } from './prometheus-naming.ts';

export interface HistogramValue {
  count: number;
  sum: number;
  bounds: number[];
  /** Per-bucket (not cumulative) counts, `bounds.length + 1` of them. */
  counts: number[];
}

export interface SummaryValue {
  count: number;
  sum: number;
  quantiles: { quantile: number; value: number }[];
}

export interface Series {
  labels: [string, string][];
  startTimeUnixNano: number;
  timeUnixNano: number;
  /** Wall-clock ms of the last update, for metric_expiration. */
  updatedAtMs: number;
  value: number;
  /** Classic buckets: a histogram's own, or an exponential histogram's converted. */
  histogram?: HistogramValue;
  /** An exponential histogram's layout, kept so delta points merge exactly before conversion. */
  exponential?: ExponentialValue;
  /** What that layout's bounds and sum are multiplied by when made classic (base_units: 0.001 for ms). */
  unitFactor?: number;
  summary?: SummaryValue;
  /** Its labels as exposition text, made by the scrape's serializer at its first scrape (labels never change). */
  labelText?: string;
  /** Where its points came from (src/consumer/origin.ts): it goes when that origin is lost. */
  origin?: string;
}

export interface Family {
  name: string;
  type: PrometheusType;
  help: string;
  series: Map<string, Series>;
}

export interface StateOptions {
  namespace?: string;
  addMetricSuffixes: boolean;
  /** Every resource attribute becomes a label (instead of only target_info carrying them). */
  resourceToTelemetry: boolean;
  constLabels: Record<string, string>;
  /** `otel_scope_name` and `otel_scope_version` labels (the compatibility spec; off for exact dashboard label sets). */
  scopeLabels?: boolean;
  /** Exponential histograms are downscaled until they have at most this many buckets (default 40). */
  maxExponentialBuckets?: number;
  /** Time and data-size units converted to seconds and bytes, values scaled (see `baseUnitOf`). */
  baseUnits?: boolean;
}

export const DEFAULT_MAX_EXPONENTIAL_BUCKETS = 40;

export interface ApplyResult {
  /** Points dropped because their Prometheus name already has another type. */
  typeConflicts: number;
}

/**
 * The latest cumulative value of every Prometheus series the pipelines produced, as both Prometheus
 * exporters need it: cumulative inputs pass through (a smaller value or a new start time is a reset),
 * delta inputs are added up (each once: a repeat is no newer), points older than what is held are ignored, and series not updated for
 * the expiration time are forgotten. Exponential histograms keep their layout (delta points merge onto
 * a common scale) and are seen as classic ones.
 */
export class CumulativeState {
  readonly families = new Map<string, Family>();
  /**
   * Label sets by attribute-set object, per context (the job, instance, scope and resource labels they
   * are made with), kept from batch to batch: a series whose attributes arrive as the same object again
   * (see AttributeInterner) reuses its labels and key, and the key's hash, instead of rebuilding them.
   */
  private readonly labelSetCache = new Map<string, WeakMap<Attributes, LabelSet>>();

  constructor(private readonly options: StateOptions) {}

  /**
   * Applies a batch; `onUpdate` sees every series it changed, at its new value, and `onStale` every
   * series a point flagged "no recorded value" ended (a scraped target's series that vanished), with
   * that point's time.
   */
  apply(batch: MetricsBatch, nowMs: number, onUpdate?: (family: Family, series: Series) => void, onStale?: (family: Family, series: Series, timeUnixNano: number) => void): ApplyResult {
    let typeConflicts = 0;
    const origin = currentOrigin();
    for (const rm of batch.resourceMetrics) {
      const identity = jobAndInstance(rm.resource);
      const resourceLabels = this.options.resourceToTelemetry ? rm.resource.attributes : undefined;
      const info = targetInfoAttributes(rm.resource);
      if (Object.keys(info).length > 0) {
        const labels = labelSet(info, undefined, identity, this.options.constLabels);
        // A resource whose every point ends its series (a scrape target removed) ends its target_info too.
        if (onlyStaleMarkers(rm)) this.endTargetInfo(labels, pointTime(rm), onStale);
        else {
          const target = this.setGauge('target_info', 'Target metadata', labels, 1, pointTime(rm), nowMs);
          if (target) target.series.origin = origin;
          if (target && onUpdate) onUpdate(target.family, target.series);
        }
      }
      for (const sm of rm.scopeMetrics) {
        const overrides = this.options.scopeLabels === false ? identity : { ...identity, ...scopeLabels(sm.scope) };
        // Within a scope the label set depends on the attribute set alone, and points that share one share
        // its object (the decoders see to that): each is made into labels and a key once, not once a point.
        const labelSets = this.labelSetsFor(overrides, resourceLabels);
        for (const given of sm.metrics) {
          const base = this.options.baseUnits ? baseUnitOf(given.unit) : undefined;
          // An exponential histogram keeps its base-2 layout here (delta merging, the bucket cap): it is
          // scaled when made classic. Base-2 buckets cannot be scaled by 1000 themselves.
          const keepsLayout = given.type === 'exponential_histogram';
          const m = base && !keepsLayout ? scaleMetric(given, base.factor, base.unit) : given;
          const unitFactor = base && keepsLayout ? base.factor : 1;
          const type = prometheusType(m);
          const name = prometheusMetricName(m.name, base?.unit ?? m.unit, type, {
            namespace: this.options.namespace,
            addSuffixes: this.options.addMetricSuffixes,
            isRatioGauge: type === 'gauge' && m.unit === '1',
          });
          const family = this.family(name, type, m.description || m.name);
          if (!family) {
            typeConflicts += m.points.length;
            continue;
          }
          // Indexed: this runs once a request, mostly before V8 optimizes it, and an unoptimized
          // for-of allocates an iterator result per point.
          const points = m.points;
          for (let i = 0; i < points.length; i++) {
            const p = points[i]!;
            let labels = labelSets.get(p.attributes);
            if (labels === undefined) {
              labels = labelSet(p.attributes, resourceLabels, overrides, this.options.constLabels);
              labelSets.set(p.attributes, labels);
            }
            if (p.flags & FLAG_NO_RECORDED_VALUE) {
              const ended = family.series.get(labels.key);
              family.series.delete(labels.key);
              // A series this state never held (an exporter started by a reload, after its predecessor
              // sent the series) still ends: its samples are made from the marker's own shape, not kept.
              if (onStale) onStale(family, ended ?? this.transient(m, p, labels, nowMs, unitFactor), p.timeUnixNano);
              continue;
            }
            const updated = this.update(family, m, p, labels, nowMs, unitFactor);
            if (updated === undefined) continue;
            if (updated.origin !== origin) updated.origin = joinOrigin(updated.origin, origin);
            if (onUpdate) onUpdate(family, updated);
          }
        }
      }
    }
    return { typeConflicts };
  }

  /** Forgets series not updated since `nowMs - expirationMs`; returns them, for stale markers. */
  expire(nowMs: number, expirationMs: number): { family: Family; series: Series }[] {
    const gone: { family: Family; series: Series }[] = [];
    for (const [name, family] of this.families) {
      for (const [key, s] of family.series) {
        if (nowMs - s.updatedAtMs >= expirationMs) {
          family.series.delete(key);
          gone.push({ family, series: s });
        }
      }
      if (family.series.size === 0) this.families.delete(name);
    }
    return gone;
  }

  /** Forgets the series whose points came from one of `lost` (another gateway serves them now); returns them. */
  forget(lost: ReadonlySet<string>): { family: Family; series: Series }[] {
    const gone: { family: Family; series: Series }[] = [];
    for (const [name, family] of this.families) {
      for (const [key, s] of family.series) {
        if (!forgottenWith(s.origin, lost)) continue;
        family.series.delete(key);
        gone.push({ family, series: s });
      }
      if (family.series.size === 0) this.families.delete(name);
    }
    return gone;
  }

  private labelSetsFor(overrides: Record<string, string>, resource: Attributes | undefined): WeakMap<Attributes, LabelSet> {
    let key = '';
    for (const k in overrides) key += `${k}\u0000${overrides[k]}\u0001`;
    if (resource) key += `\u0002${attributesKey(resource)}`;
    let cache = this.labelSetCache.get(key);
    if (cache === undefined) {
      // Contexts come and go with instances: a bound, not a leak (the entries themselves are weak).
      if (this.labelSetCache.size >= 1024) this.labelSetCache.clear();
      this.labelSetCache.set(key, (cache = new WeakMap()));
    }
    return cache;
  }

  private family(name: string, type: PrometheusType, help: string): Family | undefined {
    const existing = this.families.get(name);
    if (existing) return existing.type === type ? existing : undefined;
    const f: Family = { name, type, help, series: new Map() };
    this.families.set(name, f);
    return f;
  }

  private setGauge(name: string, help: string, labels: LabelSet, value: number, timeUnixNano: number, nowMs: number): { family: Family; series: Series } | undefined {
    const family = this.family(name, 'gauge', help);
    if (!family) return undefined;
    const series: Series = { labels: labels.labels, startTimeUnixNano: 0, timeUnixNano, updatedAtMs: nowMs, value };
    family.series.set(labels.key, series);
    return { family, series };
  }

  private endTargetInfo(labels: LabelSet, timeUnixNano: number, onStale: ((family: Family, series: Series, timeUnixNano: number) => void) | undefined): void {
    const held = this.families.get('target_info');
    held?.series.delete(labels.key);
    if (!onStale) return;
    const family = held ?? { name: 'target_info', type: 'gauge', help: 'Target metadata', series: new Map() };
    onStale(family, { labels: labels.labels, startTimeUnixNano: 0, timeUnixNano, updatedAtMs: 0, value: 1 }, timeUnixNano);
  }

  /** The series a point would make, not kept in the state: what a stale marker of an unknown series ends. */
  private transient(m: Metric, p: Metric['points'][number], labels: LabelSet, nowMs: number, unitFactor: number): Series {
    const scratch: Family = { name: '', type: 'gauge', help: '', series: new Map() };
    return this.update(scratch, m, p, labels, nowMs, unitFactor)!;
  }

  private update(f: Family, m: Metric, p: Metric['points'][number], labels: LabelSet, nowMs: number, unitFactor: number): Series | undefined {
    const held = f.series.get(labels.key);
    const delta = 'temporality' in m && m.temporality === 'delta';
    // Successive delta points of a series cover successive intervals: one no newer than what is held
    // was added already (a client resending after a refusal elsewhere in the fan-out).
    if (held && (p.timeUnixNano < held.timeUnixNano || (delta && p.timeUnixNano === held.timeUnixNano))) return undefined;
    switch (m.type) {
      case 'gauge':
        return put(f, labels, held, p, nowMs, (p as NumberDataPoint).value);
      case 'sum': {
        const v = (p as NumberDataPoint).value;
        if (delta && held && held.histogram === undefined) {
          held.value += v;
          return touch(held, p, nowMs);
        }
        return put(f, labels, held, p, nowMs, v);
      }
      case 'histogram': {
        const value = histogramValue(p as HistogramDataPoint);
        if (delta && held?.histogram && !held.exponential && sameBounds(held.histogram.bounds, value.bounds)) {
          const acc = held.histogram;
          acc.count += value.count;
          acc.sum += value.sum;
          for (let i = 0; i < acc.counts.length; i++) acc.counts[i]! += value.counts[i]!;
          return touch(held, p, nowMs);
        }
        const series = put(f, labels, held, p, nowMs, 0);
        series.histogram = value;
        series.exponential = undefined;
        return series;
      }
      case 'exponential_histogram': {
        const point = p as ExponentialHistogramDataPoint;
        const max = this.options.maxExponentialBuckets ?? DEFAULT_MAX_EXPONENTIAL_BUCKETS;
        if (delta && held?.exponential && held.unitFactor === unitFactor) {
          mergeExponential(held.exponential, point, max);
          held.histogram = classic(held.exponential, unitFactor);
          return touch(held, p, nowMs);
        }
        const series = put(f, labels, held, p, nowMs, 0);
        series.exponential = capBuckets(exponentialValue(point), max);
        series.unitFactor = unitFactor;
        series.histogram = classic(series.exponential, unitFactor);
        return series;
      }
      case 'summary': {
        const s = p as SummaryDataPoint;
        const series = put(f, labels, held, p, nowMs, 0);
        series.summary = { count: s.count, sum: s.sum, quantiles: s.quantileValues };
        return series;
      }
    }
  }
}

/** The series at its new value: the held object updated in place, or a new one. */
function put(f: Family, labels: LabelSet, held: Series | undefined, p: { startTimeUnixNano: number; timeUnixNano: number }, nowMs: number, value: number): Series {
  if (held) {
    held.startTimeUnixNano = p.startTimeUnixNano;
    held.timeUnixNano = p.timeUnixNano;
    held.updatedAtMs = nowMs;
    held.value = value;
    return held;
  }
  const s: Series = { labels: labels.labels, startTimeUnixNano: p.startTimeUnixNano, timeUnixNano: p.timeUnixNano, updatedAtMs: nowMs, value };
  f.series.set(labels.key, s);
  return s;
}

/** A held series updated in place by a delta point. */
function touch(held: Series, p: { timeUnixNano: number }, nowMs: number): Series {
  held.timeUnixNano = p.timeUnixNano;
  held.updatedAtMs = nowMs;
  return held;
}

/** An exponential histogram as classic buckets, bounds and sum multiplied by `unitFactor` (base_units). */
function classic(v: ExponentialValue, unitFactor: number): HistogramValue {
  const { bounds, counts } = explicitBuckets(v);
  return unitFactor === 1 ? { count: v.count, sum: v.sum, bounds, counts } : { count: v.count, sum: v.sum * unitFactor, bounds: bounds.map((b) => b * unitFactor), counts };
}

/** Whether a resource has points and every one is a stale marker (flagged "no recorded value"). */
function onlyStaleMarkers(rm: MetricsBatch['resourceMetrics'][number]): boolean {
  let any = false;
  for (const sm of rm.scopeMetrics) {
    for (const m of sm.metrics) {
      for (const p of m.points) {
        if (!(p.flags & FLAG_NO_RECORDED_VALUE)) return false;
        any = true;
      }
    }
  }
  return any;
}

/** The time of a resource's newest point: target_info is stamped with it. */
function pointTime(rm: MetricsBatch['resourceMetrics'][number]): number {
  let t = 0;
  for (const sm of rm.scopeMetrics) {
    for (const m of sm.metrics) {
      const points = m.points;
      for (let i = 0; i < points.length; i++) if (points[i]!.timeUnixNano > t) t = points[i]!.timeUnixNano;
    }
  }
  return t;
}

function prometheusType(m: Metric): PrometheusType {
  switch (m.type) {
    case 'sum':
      return m.monotonic ? 'counter' : 'gauge';
    case 'gauge':
      return 'gauge';
    case 'histogram':
    case 'exponential_histogram':
      return 'histogram';
    case 'summary':
      return 'summary';
  }
}

function histogramValue(h: HistogramDataPoint): HistogramValue {
  // A histogram without buckets is a count and a sum: one +Inf bucket.
  const counts = h.bucketCounts.length > 0 ? [...h.bucketCounts] : [h.count];
  return { count: h.count, sum: h.sum ?? 0, bounds: h.bucketCounts.length > 0 ? [...h.explicitBounds] : [], counts };
}
