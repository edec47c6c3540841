import type { Attributes } from '../model/common.ts';
import type { ExponentialBuckets, Metric, MetricsBatch, ResourceMetrics, ScopeMetrics } from '../model/metrics.ts';
import { encodeRequest, type SignalLayout, writeAttributes } from './otlp-common-encoder.ts';
import type { ProtobufWriter } from './protobuf-writer.ts';

/**
 * Pure: the internal model back into an OTLP `ExportMetricsServiceRequest` in protobuf, for the exporters
 * that forward OTLP (`loadbalancing`, `nats`). Field numbers are the official protos'
 * (opentelemetry.proto.metrics.v1). Point values go out as `as_double` (the model holds one number type);
 * an integer attribute goes out as `int_value`, any other number as `double_value`.
 */
export function encodeMetricsRequest(batch: MetricsBatch): Buffer {
  return encodeRequest(batch.resourceMetrics, METRICS);
}

const METRICS: SignalLayout<ResourceMetrics, ScopeMetrics, Metric> = {
  scopes: (r) => r.scopeMetrics,
  items: (s) => s.metrics,
  writeItem: writeMetric,
};

const TEMPORALITY = { delta: 1, cumulative: 2 } as const;

function writeMetric(w: ProtobufWriter, m: Metric): void {
  w.string(1, m.name);
  if (m.description) w.string(2, m.description);
  if (m.unit) w.string(3, m.unit);
  switch (m.type) {
    case 'gauge': {
      const g = w.beginLen(5);
      for (const p of m.points) writeNumberPoint(w, p.attributes, p.startTimeUnixNano, p.timeUnixNano, p.value, p.flags);
      w.endLen(g);
      break;
    }
    case 'sum': {
      const s = w.beginLen(7);
      for (const p of m.points) writeNumberPoint(w, p.attributes, p.startTimeUnixNano, p.timeUnixNano, p.value, p.flags);
      w.int64(2, TEMPORALITY[m.temporality]);
      if (m.monotonic) w.int64(3, 1);
      w.endLen(s);
      break;
    }
    case 'histogram': {
      const h = w.beginLen(9);
      for (const p of m.points) {
        const d = w.beginLen(1);
        writeTimes(w, p.startTimeUnixNano, p.timeUnixNano);
        w.fixed64Number(4, p.count);
        if (p.sum !== undefined) w.double(5, p.sum);
        w.packedFixed64(6, p.bucketCounts);
        w.packedDouble(7, p.explicitBounds);
        writeAttributes(w, 9, p.attributes);
        if (p.flags) w.int64(10, p.flags);
        if (p.min !== undefined) w.double(11, p.min);
        if (p.max !== undefined) w.double(12, p.max);
        w.endLen(d);
      }
      w.int64(2, TEMPORALITY[m.temporality]);
      w.endLen(h);
      break;
    }
    case 'exponential_histogram': {
      const h = w.beginLen(10);
      for (const p of m.points) {
        const d = w.beginLen(1);
        writeAttributes(w, 1, p.attributes);
        writeTimes(w, p.startTimeUnixNano, p.timeUnixNano);
        w.fixed64Number(4, p.count);
        if (p.sum !== undefined) w.double(5, p.sum);
        w.sint(6, p.scale);
        w.fixed64Number(7, p.zeroCount);
        writeBuckets(w, 8, p.positive);
        writeBuckets(w, 9, p.negative);
        if (p.flags) w.int64(10, p.flags);
        if (p.min !== undefined) w.double(12, p.min);
        if (p.max !== undefined) w.double(13, p.max);
        if (p.zeroThreshold) w.double(14, p.zeroThreshold);
        w.endLen(d);
      }
      w.int64(2, TEMPORALITY[m.temporality]);
      w.endLen(h);
      break;
    }
    case 'summary': {
      const s = w.beginLen(11);
      for (const p of m.points) {
        const d = w.beginLen(1);
        writeTimes(w, p.startTimeUnixNano, p.timeUnixNano);
        w.fixed64Number(4, p.count);
        w.double(5, p.sum);
        for (const q of p.quantileValues) {
          const qv = w.beginLen(6);
          w.double(1, q.quantile);
          w.double(2, q.value);
          w.endLen(qv);
        }
        writeAttributes(w, 7, p.attributes);
        if (p.flags) w.int64(8, p.flags);
        w.endLen(d);
      }
      w.endLen(s);
      break;
    }
  }
}

/** NumberDataPoint: attributes 7, start 2, time 3, as_double 4, flags 8. */
function writeNumberPoint(w: ProtobufWriter, attributes: Attributes, start: number, time: number, value: number, flags: number): void {
  const d = w.beginLen(1);
  writeTimes(w, start, time);
  w.double(4, value);
  writeAttributes(w, 7, attributes);
  if (flags) w.int64(8, flags);
  w.endLen(d);
}

function writeTimes(w: ProtobufWriter, start: number, time: number): void {
  if (start) w.fixed64Number(2, start);
  w.fixed64Number(3, time);
}

function writeBuckets(w: ProtobufWriter, field: number, b: ExponentialBuckets): void {
  if (b.bucketCounts.length === 0 && b.offset === 0) return;
  const at = w.beginLen(field);
  if (b.offset) w.sint(1, b.offset);
  w.packedUint(2, b.bucketCounts);
  w.endLen(at);
}
