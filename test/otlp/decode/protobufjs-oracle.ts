/**
 * The protobufjs module generated from the official OTLP protos, shipped in otlp-transformer 0.214, used
 * as an independent reader of the same bytes (and as an encoder of hand-made messages). Its output is
 * mapped into our model here, in the plainest possible way, so the two decoders can be compared.
 */
import { createRequire } from 'node:module';
import type { AttributeValue, Attributes, InstrumentationScope, Resource } from '../../../src/model/common.ts';
import type { LogsBatch } from '../../../src/model/logs.ts';
import type { Metric, MetricsBatch, NumberDataPoint } from '../../../src/model/metrics.ts';
import type { TracesBatch } from '../../../src/model/traces.ts';

type Obj = Record<string, unknown>;

interface PbType {
  decode(body: Uint8Array): object;
  encode(message: object): { finish(): Uint8Array };
  fromObject(o: object): object;
  toObject(message: object, options: object): Obj;
}

type Signal = { [K in 'ExportMetricsServiceRequest' | 'ExportMetricsServiceResponse' | 'ExportTraceServiceRequest' | 'ExportTraceServiceResponse' | 'ExportLogsServiceRequest' | 'ExportLogsServiceResponse']?: PbType };

interface Root {
  opentelemetry: { proto: { collector: { metrics: { v1: Signal }; trace: { v1: Signal }; logs: { v1: Signal } }; metrics: { v1: Record<string, PbType> } } };
}

export const root = createRequire(import.meta.url)('@opentelemetry/otlp-transformer/build/src/generated/root.js') as Root;
const collector = root.opentelemetry.proto.collector;
export const pb = {
  metricsRequest: collector.metrics.v1.ExportMetricsServiceRequest!,
  metricsResponse: collector.metrics.v1.ExportMetricsServiceResponse!,
  traceRequest: collector.trace.v1.ExportTraceServiceRequest!,
  traceResponse: collector.trace.v1.ExportTraceServiceResponse!,
  logsRequest: collector.logs.v1.ExportLogsServiceRequest!,
  logsResponse: collector.logs.v1.ExportLogsServiceResponse!,
};

/** A message from its protobufjs object form (ids and bytes as Uint8Array, 64-bit values as numbers). */
export function encode(type: PbType, o: object): Uint8Array {
  return type.encode(type.fromObject(o)).finish();
}

export function toObject(type: PbType, body: Uint8Array): Obj {
  return type.toObject(type.decode(body), { longs: Number, enums: Number, defaults: true, arrays: true, oneofs: true });
}

const o = (x: unknown): Obj => (x ?? {}) as Obj;
const list = (x: unknown): Obj[] => (x ?? []) as Obj[];
const num = (x: unknown): number => x as number;
const hex = (x: unknown): string => Buffer.from(x as Uint8Array).toString('hex');

function anyValue(v: Obj): AttributeValue | undefined {
  switch (v.value) {
    case 'stringValue':
    case 'boolValue':
    case 'intValue':
    case 'doubleValue':
      return v[v.value] as AttributeValue;
    case 'bytesValue':
      return new Uint8Array(v.bytesValue as Uint8Array);
    case 'arrayValue':
      return list(o(v.arrayValue).values).map(anyValue).filter((x): x is AttributeValue => x !== undefined);
    case 'kvlistValue':
      return attributes(o(v.kvlistValue).values);
    default:
      return undefined;
  }
}

function attributes(kvs: unknown): Attributes {
  const out: Attributes = {};
  for (const kv of list(kvs)) {
    const v = kv.value ? anyValue(o(kv.value)) : undefined;
    if (v !== undefined) out[kv.key as string] = v;
  }
  return out;
}

function resource(r: unknown): Resource {
  const dropped = num(o(r).droppedAttributesCount ?? 0);
  return dropped ? { attributes: attributes(o(r).attributes), droppedAttributesCount: dropped } : { attributes: attributes(o(r).attributes) };
}

function scope(s: unknown): InstrumentationScope {
  return { name: (o(s).name as string) ?? '', version: (o(s).version as string) ?? '', attributes: attributes(o(s).attributes) };
}

function base(p: Obj) {
  return { attributes: attributes(p.attributes), startTimeUnixNano: num(p.startTimeUnixNano), timeUnixNano: num(p.timeUnixNano), flags: num(p.flags) };
}

function optional<T extends object>(p: Obj, out: T): T & { sum?: number; min?: number; max?: number } {
  const o2 = out as T & { sum?: number; min?: number; max?: number };
  for (const k of ['sum', 'min', 'max'] as const) if (`_${k}` in p) o2[k] = num(p[k]);
  return o2;
}

const temporality = (t: unknown) => (t === 1 ? 'delta' : 'cumulative') as 'delta' | 'cumulative';

function metric(m: Obj): Metric {
  const head = { name: m.name as string, description: m.description as string, unit: m.unit as string };
  const data = o(m[m.data as string]);
  const numberPoints = (): NumberDataPoint[] => list(data.dataPoints).map((p) => ({ ...base(p), value: num(p[p.value as string]) }));
  switch (m.data) {
    case 'gauge':
      return { ...head, type: 'gauge', points: numberPoints() };
    case 'sum':
      return { ...head, type: 'sum', temporality: temporality(data.aggregationTemporality), monotonic: data.isMonotonic as boolean, points: numberPoints() };
    case 'histogram':
      return {
        ...head,
        type: 'histogram',
        temporality: temporality(data.aggregationTemporality),
        points: list(data.dataPoints).map((p) => {
          return optional(p, { ...base(p), count: num(p.count), bucketCounts: list(p.bucketCounts).map(num), explicitBounds: list(p.explicitBounds).map(num) });
        }),
      };
    case 'exponentialHistogram':
      return {
        ...head,
        type: 'exponential_histogram',
        temporality: temporality(data.aggregationTemporality),
        points: list(data.dataPoints).map((p) => {
          const buckets = (b: unknown) => ({ offset: num(o(b).offset ?? 0), bucketCounts: list(o(b).bucketCounts).map(num) });
          return optional(p, { ...base(p), count: num(p.count), scale: num(p.scale), zeroCount: num(p.zeroCount), zeroThreshold: num(p.zeroThreshold), positive: buckets(p.positive), negative: buckets(p.negative) });
        }),
      };
    default:
      return {
        ...head,
        type: 'summary',
        points: list(data.dataPoints).map((p) => ({ ...base(p), count: num(p.count), sum: num(p.sum), quantileValues: list(p.quantileValues).map((q) => ({ quantile: num(q.quantile), value: num(q.value) })) })),
      };
  }
}

export function oracleMetrics(body: Uint8Array): MetricsBatch {
  return {
    resourceMetrics: list(toObject(pb.metricsRequest, body).resourceMetrics).map((rm) => ({
      resource: resource(rm.resource),
      scopeMetrics: list(rm.scopeMetrics).map((sm) => ({ scope: scope(sm.scope), metrics: list(sm.metrics).map(metric), schemaUrl: sm.schemaUrl as string })),
      schemaUrl: rm.schemaUrl as string,
    })),
  };
}

export function oracleTraces(body: Uint8Array): TracesBatch {
  return {
    resourceSpans: list(toObject(pb.traceRequest, body).resourceSpans).map((rs) => ({
      resource: resource(rs.resource),
      scopeSpans: list(rs.scopeSpans).map((ss) => ({
        scope: scope(ss.scope),
        spans: list(ss.spans).map((s) => ({
          traceId: hex(s.traceId),
          spanId: hex(s.spanId),
          parentSpanId: hex(s.parentSpanId),
          traceState: s.traceState as string,
          name: s.name as string,
          kind: num(s.kind),
          startTimeUnixNano: num(s.startTimeUnixNano),
          endTimeUnixNano: num(s.endTimeUnixNano),
          attributes: attributes(s.attributes),
          events: list(s.events).map((e) => ({ timeUnixNano: num(e.timeUnixNano), name: e.name as string, attributes: attributes(e.attributes) })),
          links: list(s.links).map((l) => ({ traceId: hex(l.traceId), spanId: hex(l.spanId), traceState: l.traceState as string, attributes: attributes(l.attributes) })),
          status: { code: num(o(s.status).code ?? 0), message: (o(s.status).message as string) ?? '' },
        })),
        schemaUrl: ss.schemaUrl as string,
      })),
      schemaUrl: rs.schemaUrl as string,
    })),
  };
}

export function oracleLogs(body: Uint8Array): LogsBatch {
  return {
    resourceLogs: list(toObject(pb.logsRequest, body).resourceLogs).map((rl) => ({
      resource: resource(rl.resource),
      scopeLogs: list(rl.scopeLogs).map((sl) => ({
        scope: scope(sl.scope),
        logRecords: list(sl.logRecords).map((l) => ({
          timeUnixNano: num(l.timeUnixNano),
          observedTimeUnixNano: num(l.observedTimeUnixNano),
          severityNumber: num(l.severityNumber),
          severityText: l.severityText as string,
          body: l.body ? anyValue(o(l.body)) : undefined,
          attributes: attributes(l.attributes),
          traceId: hex(l.traceId),
          spanId: hex(l.spanId),
          flags: num(l.flags),
          eventName: l.eventName as string,
        })),
        schemaUrl: sl.schemaUrl as string,
      })),
      schemaUrl: rl.schemaUrl as string,
    })),
  };
}
