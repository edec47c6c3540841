import type { Attributes } from '../../src/model/common.ts';
import type { LogsBatch } from '../../src/model/logs.ts';
import type { Metric, MetricsBatch } from '../../src/model/metrics.ts';
import type { TracesBatch } from '../../src/model/traces.ts';

export type Verbosity = 'basic' | 'detailed';

const iso = (ns: number) => (ns > 0 ? new Date(ns / 1e6).toISOString() : undefined);

/** JSON-safe attributes: bytes as base64. */
function attrs(a: Attributes): Attributes | Record<string, unknown> {
  for (const v of Object.values(a)) if (v instanceof Uint8Array || typeof v === 'object') return JSON.parse(JSON.stringify(a, bytes)) as Record<string, unknown>;
  return a;
}
const bytes = (_k: string, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v);

/** Pure: one JSON object (no newline) per data point, span or log record. */
export function metricLines(batch: MetricsBatch, verbosity: Verbosity): string[] {
  const lines: string[] = [];
  for (const rm of batch.resourceMetrics) {
    const service = rm.resource.attributes['service.name'];
    for (const sm of rm.scopeMetrics) {
      for (const m of sm.metrics) {
        for (const p of m.points) {
          const line: Record<string, unknown> = { signal: 'metric', time: iso(p.timeUnixNano), service, name: m.name, type: m.type, unit: m.unit || undefined, attributes: attrs(p.attributes), ...pointValue(m, p, verbosity) };
          if (verbosity === 'detailed') {
            Object.assign(line, { description: m.description || undefined, start_time: iso(p.startTimeUnixNano), resource: attrs(rm.resource.attributes), scope: { name: sm.scope.name, version: sm.scope.version } });
            if ('temporality' in m) line.temporality = m.temporality;
            if (m.type === 'sum') line.monotonic = m.monotonic;
          }
          lines.push(JSON.stringify(line));
        }
      }
    }
  }
  return lines;
}

function pointValue(m: Metric, p: Metric['points'][number], verbosity: Verbosity): Record<string, unknown> {
  switch (m.type) {
    case 'gauge':
    case 'sum':
      return { value: (p as { value: number }).value };
    case 'histogram': {
      const h = p as (typeof m.points)[number];
      return { count: h.count, sum: h.sum, min: h.min, max: h.max, ...(verbosity === 'detailed' ? { bucket_counts: h.bucketCounts, explicit_bounds: h.explicitBounds } : {}) };
    }
    case 'exponential_histogram': {
      const h = p as (typeof m.points)[number];
      return { count: h.count, sum: h.sum, min: h.min, max: h.max, ...(verbosity === 'detailed' ? { scale: h.scale, zero_count: h.zeroCount, positive: h.positive, negative: h.negative } : {}) };
    }
    case 'summary': {
      const s = p as (typeof m.points)[number];
      return { count: s.count, sum: s.sum, ...(verbosity === 'detailed' ? { quantiles: s.quantileValues } : {}) };
    }
  }
}

const KIND = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUS = ['unset', 'ok', 'error'];

export function spanLines(batch: TracesBatch, verbosity: Verbosity): string[] {
  const lines: string[] = [];
  for (const rs of batch.resourceSpans) {
    const service = rs.resource.attributes['service.name'];
    for (const ss of rs.scopeSpans) {
      for (const s of ss.spans) {
        const line: Record<string, unknown> = {
          signal: 'span',
          time: iso(s.startTimeUnixNano),
          service,
          name: s.name,
          kind: KIND[s.kind] ?? s.kind,
          duration_ms: Math.round((s.endTimeUnixNano - s.startTimeUnixNano) / 1e3) / 1e3, // µs: below that, float nanoseconds are noise
          status: STATUS[s.status.code] ?? s.status.code,
          trace_id: s.traceId,
          span_id: s.spanId,
          attributes: attrs(s.attributes),
        };
        if (verbosity === 'detailed') {
          Object.assign(line, {
            parent_span_id: s.parentSpanId || undefined,
            status_message: s.status.message || undefined,
            end_time: iso(s.endTimeUnixNano),
            events: s.events.map((e) => ({ time: iso(e.timeUnixNano), name: e.name, attributes: attrs(e.attributes) })),
            links: s.links.map((l) => ({ trace_id: l.traceId, span_id: l.spanId, attributes: attrs(l.attributes) })),
            resource: attrs(rs.resource.attributes),
            scope: { name: ss.scope.name, version: ss.scope.version },
          });
        }
        lines.push(JSON.stringify(line));
      }
    }
  }
  return lines;
}

export function logLines(batch: LogsBatch, verbosity: Verbosity): string[] {
  const lines: string[] = [];
  for (const rl of batch.resourceLogs) {
    const service = rl.resource.attributes['service.name'];
    for (const sl of rl.scopeLogs) {
      for (const l of sl.logRecords) {
        const line: Record<string, unknown> = {
          signal: 'log',
          time: iso(l.timeUnixNano || l.observedTimeUnixNano),
          service,
          severity: l.severityText || l.severityNumber || undefined,
          body: l.body instanceof Uint8Array ? Buffer.from(l.body).toString('base64') : l.body,
          attributes: attrs(l.attributes),
          trace_id: l.traceId || undefined,
          span_id: l.spanId || undefined,
        };
        if (verbosity === 'detailed') Object.assign(line, { event_name: l.eventName || undefined, observed_time: iso(l.observedTimeUnixNano), resource: attrs(rl.resource.attributes), scope: { name: sl.scope.name, version: sl.scope.version } });
        lines.push(JSON.stringify(line));
      }
    }
  }
  return lines;
}
