import type { AttributeValue, Attributes } from '../../model/common.ts';
import { OVERFLOW_ATTRIBUTE, type Metric, type MetricsBatch } from '../../model/metrics.ts';
import type { TracesBatch } from '../../model/traces.ts';
import { attributesKey } from '../../model/series-key.ts';
import { SPAN_KIND_NAMES, type SpanmetricsConfig } from './config.ts';
import { currentOrigin, forgottenWith, joinOrigin } from '../../consumer/origin.ts';

const STATUS = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];
const OVERFLOW_KEY = '\u0000overflow';

interface Series {
  attributes: Attributes;
  calls: number;
  counts: number[];
  sum: number;
  min: number;
  max: number;
  startNs: number;
  lastNs: number;
  seenAtMs: number;
}

interface ResourceState {
  attributes: Attributes;
  series: Map<string, Series>;
  /** Where its spans came from (src/consumer/origin.ts): it goes when that origin is lost. */
  origin: string | undefined;
}

/** The metrics of the resources whose spans came from one origin (undefined: from no receiver that names one). */
export interface OriginSnapshot {
  origin: string | undefined;
  batch: MetricsBatch;
}

/**
 * Pure state of the spanmetrics connector: calls and duration histograms per (resource, label set),
 * cumulative since each series was first seen. Past the cardinality limit, new label sets fold into one
 * overflow series (the OpenTelemetry SDK's rule), so no span is ever lost from the totals.
 */
export class SpanAggregator {
  private readonly resources = new Map<string, ResourceState>();
  private readonly kinds: Set<number>;
  private readonly bounds: number[];
  private readonly defaults: string[];

  constructor(private readonly config: SpanmetricsConfig) {
    this.kinds = new Set(config.span_kinds.map((k) => SPAN_KIND_NAMES.indexOf(k)));
    this.bounds = config.histogram.explicit.buckets;
    this.defaults = ['service.name', 'span.name', 'span.kind', 'status.code'].filter((d) => !config.exclude_dimensions.includes(d));
  }

  add(batch: TracesBatch, nowMs: number): void {
    const origin = currentOrigin();
    for (const rs of batch.resourceSpans) {
      const resAttrs: Attributes = {};
      for (const k of this.config.resource_attributes) if (rs.resource.attributes[k] !== undefined) resAttrs[k] = rs.resource.attributes[k]!;
      const rkey = attributesKey(resAttrs);
      let state = this.resources.get(rkey);
      if (!state) this.resources.set(rkey, (state = { attributes: resAttrs, series: new Map(), origin: undefined }));
      if (state.origin !== origin) state.origin = joinOrigin(state.origin, origin);
      for (const ss of rs.scopeSpans) {
        for (const span of ss.spans) {
          if (!this.kinds.has(span.kind)) continue;
          const labels = this.labels(span, rs.resource.attributes);
          let key = attributesKey(labels);
          let series = state.series.get(key);
          if (!series) {
            if (state.series.size >= this.config.aggregation_cardinality_limit) {
              key = OVERFLOW_KEY;
              series = state.series.get(key);
            }
            if (!series) {
              const attributes = key === OVERFLOW_KEY ? this.overflowLabels(rs.resource.attributes) : labels;
              series = { attributes, calls: 0, counts: new Array<number>(this.bounds.length + 1).fill(0), sum: 0, min: Infinity, max: -Infinity, startNs: span.startTimeUnixNano, lastNs: 0, seenAtMs: nowMs };
              state.series.set(key, series);
            }
          }
          const d = (span.endTimeUnixNano - span.startTimeUnixNano) / (this.config.histogram.unit === 's' ? 1e9 : 1e6);
          series.calls++;
          series.counts[bucketOf(this.bounds, d)]!++;
          series.sum += d;
          if (d < series.min) series.min = d;
          if (d > series.max) series.max = d;
          if (span.endTimeUnixNano > series.lastNs) series.lastNs = span.endTimeUnixNano;
          series.seenAtMs = nowMs;
        }
      }
    }
  }

  /** Forgets the resources whose spans came from one of `lost` (another gateway holds that origin now). */
  forget(lost: ReadonlySet<string>): void {
    for (const [rkey, state] of this.resources) if (forgottenWith(state.origin, lost)) this.resources.delete(rkey);
  }

  /** Every live series as cumulative metrics, stamped `nowNs`; expired series are dropped first. */
  snapshot(nowMs: number): MetricsBatch {
    return { resourceMetrics: this.snapshotByOrigin(nowMs).flatMap((s) => s.batch.resourceMetrics) };
  }

  /** As `snapshot`, one batch per origin: each goes on under its own origin, so the stages after keep it. */
  snapshotByOrigin(nowMs: number): OriginSnapshot[] {
    const ns = this.config.namespace;
    const nowNs = nowMs * 1e6;
    const byOrigin = new Map<string | undefined, MetricsBatch['resourceMetrics']>();
    for (const [rkey, state] of this.resources) {
      if (this.config.metrics_expiration > 0) {
        for (const [k, s] of state.series) if (nowMs - s.seenAtMs >= this.config.metrics_expiration) state.series.delete(k);
      }
      if (state.series.size === 0) {
        this.resources.delete(rkey);
        continue;
      }
      const series = [...state.series.values()];
      const calls: Metric = { name: `${ns}.calls`, description: 'Spans counted, by dimension.', unit: '', type: 'sum', temporality: 'cumulative', monotonic: true, points: series.map((s) => ({ attributes: s.attributes, startTimeUnixNano: s.startNs, timeUnixNano: nowNs, flags: 0, value: s.calls })) };
      const duration: Metric = {
        name: `${ns}.duration`,
        description: 'Span durations, by dimension.',
        unit: this.config.histogram.unit,
        type: 'histogram',
        temporality: 'cumulative',
        points: series.map((s) => ({ attributes: s.attributes, startTimeUnixNano: s.startNs, timeUnixNano: nowNs, flags: 0, count: s.calls, sum: s.sum, min: s.min, max: s.max, bucketCounts: [...s.counts], explicitBounds: this.bounds })),
      };
      let resourceMetrics = byOrigin.get(state.origin);
      if (!resourceMetrics) byOrigin.set(state.origin, (resourceMetrics = []));
      resourceMetrics.push({ resource: { attributes: state.attributes }, schemaUrl: '', scopeMetrics: [{ scope: { name: 'switchyard/spanmetrics', version: '', attributes: {} }, schemaUrl: '', metrics: [calls, duration] }] });
    }
    return [...byOrigin].map(([origin, resourceMetrics]) => ({ origin, batch: { resourceMetrics } }));
  }

  /** `otel.metric.overflow`, the service (one per resource, so still true) and the configured marker on every other dimension. */
  private overflowLabels(resource: Attributes): Attributes {
    const out: Attributes = { [OVERFLOW_ATTRIBUTE]: true };
    if (this.defaults.includes('service.name') && resource['service.name'] !== undefined) out['service.name'] = resource['service.name'];
    const marker = this.config.overflow_dimension_value;
    if (marker === undefined) return out;
    for (const d of this.defaults) if (d !== 'service.name') out[d] = marker;
    for (const dim of this.config.dimensions) out[dim.name] = marker;
    return out;
  }

  private labels(span: TracesBatch['resourceSpans'][number]['scopeSpans'][number]['spans'][number], resource: Attributes): Attributes {
    const out: Attributes = {};
    for (const d of this.defaults) {
      if (d === 'service.name' && resource['service.name'] !== undefined) out[d] = resource['service.name'];
      else if (d === 'span.name') out[d] = span.name;
      else if (d === 'span.kind') out[d] = SPAN_KIND_NAMES[span.kind] ?? String(span.kind);
      else if (d === 'status.code') out[d] = STATUS[span.status.code] ?? String(span.status.code);
    }
    for (const dim of this.config.dimensions) {
      let v: AttributeValue | undefined;
      for (const name of [dim.name, ...dim.fallbacks]) {
        v = span.attributes[name] ?? resource[name];
        if (v !== undefined) break;
      }
      v ??= dim.default;
      if (v !== undefined) out[dim.name] = v;
    }
    return out;
  }
}

function bucketOf(bounds: number[], v: number): number {
  let lo = 0;
  let hi = bounds.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v <= bounds[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
