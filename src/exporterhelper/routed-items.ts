import type { Attributes, Signal } from '../model/common.ts';
import type { LogRecord, LogsBatch, ResourceLogs, ScopeLogs } from '../model/logs.ts';
import type { MetricsBatch } from '../model/metrics.ts';
import type { ResourceSpans, ScopeSpans, Span, TracesBatch } from '../model/traces.ts';
import type { OtlpBatch } from '../otlp/signals.ts';
import { attributesKey, attributesKeyOfScope, canonicalAttributes, routingKey, type RoutingRule } from '../routing/index.ts';
import { encodeLogsRequest } from './otlp-logs-encoder.ts';
import { encodeMetricsRequest } from './otlp-metrics-encoder.ts';
import { encodeTracesRequest } from './otlp-traces-encoder.ts';
import { batchOf, routedPoints, type RoutedPoint } from './routed-points.ts';

/** One item (data point, span, log record) with its routing key: what the routing exporters queue. */
export interface RoutedItem {
  key: string;
}

/** A span or log record with the resource and scope it came in (shared objects, never mutated). */
interface Held<R, S, I> extends RoutedItem {
  r: R;
  s: S;
  item: I;
}

export type RoutedSpan = Held<ResourceSpans, ScopeSpans, Span>;
export type RoutedLog = Held<ResourceLogs, ScopeLogs, LogRecord>;

/** Per signal, what `loadbalancing` and `nats` need: a batch into keyed items, and items into an OTLP protobuf request. */
export interface SignalRoute {
  signal: Signal;
  split(batch: OtlpBatch, rule: RoutingRule): RoutedItem[];
  encode(items: readonly RoutedItem[]): Buffer;
}

/** Pure: a traces batch into its spans; `service` and `resource` keys are computed once per resource. */
export function routedSpans(batch: TracesBatch, rule: RoutingRule): RoutedSpan[] {
  const out: RoutedSpan[] = [];
  for (const r of batch.resourceSpans) {
    for (const s of r.scopeSpans) {
      const scopeKey = keyOfScope(rule, r.resource.attributes, s.scope.attributes);
      for (const item of s.spans) out.push({ r, s, item, key: scopeKey ?? (rule.kind === 'attributes' ? attributesKey(rule.attributes, r.resource.attributes, s.scope.attributes, item.attributes) : item.traceId) });
    }
  }
  return out;
}

/** A key every item of a scope shares (`service`, `resource`, or `attributes` all found above the items), else undefined. */
function keyOfScope(rule: RoutingRule, resource: Attributes, scope: Attributes): string | undefined {
  if (rule.kind === 'traceID') return undefined;
  if (rule.kind === 'attributes') return attributesKeyOfScope(rule.attributes, resource, scope);
  return routingKey(rule.kind, { resource });
}

/**
 * Pure: a logs batch into its records. By `traceID`, a record without a trace ID (most logs) is routed
 * by its resource and timestamp instead: deterministic, so a retry goes where the first attempt went,
 * and spread, so traceless logs do not all land on one backend.
 */
export function routedLogs(batch: LogsBatch, rule: RoutingRule): RoutedLog[] {
  const out: RoutedLog[] = [];
  for (const r of batch.resourceLogs) {
    let resource: string | undefined;
    for (const s of r.scopeLogs) {
      const scopeKey = keyOfScope(rule, r.resource.attributes, s.scope.attributes);
      for (const item of s.logRecords) {
        if (scopeKey === undefined && rule.kind === 'attributes') {
          out.push({ r, s, item, key: attributesKey(rule.attributes, r.resource.attributes, s.scope.attributes, item.attributes) });
          continue;
        }
        let key = scopeKey ?? item.traceId;
        if (!key) key = `${(resource ??= canonicalAttributes(r.resource.attributes))}\n${item.timeUnixNano || item.observedTimeUnixNano}`;
        out.push({ r, s, item, key });
      }
    }
  }
  return out;
}

/** Items back into resource → scope → items, in first-seen order. */
function regroup<R, S, I>(items: readonly Held<R, S, I>[]): Map<R, Map<S, I[]>> {
  const resources = new Map<R, Map<S, I[]>>();
  for (const h of items) {
    let scopes = resources.get(h.r);
    if (!scopes) resources.set(h.r, (scopes = new Map()));
    let list = scopes.get(h.s);
    if (!list) scopes.set(h.s, (list = []));
    list.push(h.item);
  }
  return resources;
}

export function spansBatchOf(items: readonly RoutedSpan[]): TracesBatch {
  return { resourceSpans: [...regroup(items)].map(([r, scopes]) => ({ ...r, scopeSpans: [...scopes].map(([s, spans]) => ({ ...s, spans })) })) };
}

export function logsBatchOf(items: readonly RoutedLog[]): LogsBatch {
  return { resourceLogs: [...regroup(items)].map(([r, scopes]) => ({ ...r, scopeLogs: [...scopes].map(([s, logRecords]) => ({ ...s, logRecords })) })) };
}

/* The casts below are safe: each route only ever gets back the items its own `split` made. */
export const SIGNAL_ROUTES: Readonly<Record<Signal, SignalRoute>> = {
  metrics: { signal: 'metrics', split: (b, k) => routedPoints(b as MetricsBatch, k), encode: (items) => encodeMetricsRequest(batchOf(items as readonly RoutedPoint[])) },
  traces: { signal: 'traces', split: (b, k) => routedSpans(b as TracesBatch, k), encode: (items) => encodeTracesRequest(spansBatchOf(items as readonly RoutedSpan[])) },
  logs: { signal: 'logs', split: (b, k) => routedLogs(b as LogsBatch, k), encode: (items) => encodeLogsRequest(logsBatchOf(items as readonly RoutedLog[])) },
};

