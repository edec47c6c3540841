import type { ResourceSpans, ScopeSpans, Span, TracesBatch } from '../model/traces.ts';
import { encodeRequest, type SignalLayout, writeAttributes, writeId } from './otlp-common-encoder.ts';
import type { ProtobufWriter } from './protobuf-writer.ts';

/**
 * Pure: the internal model back into an OTLP `ExportTraceServiceRequest` in protobuf, for the exporters
 * that forward OTLP (`loadbalancing`, `nats`). Field numbers are the official protos'
 * (opentelemetry.proto.trace.v1); the decoder (src/otlp/decode/proto-traces.ts) reads back the same model.
 */
export function encodeTracesRequest(batch: TracesBatch): Buffer {
  return encodeRequest(batch.resourceSpans, TRACES);
}

const TRACES: SignalLayout<ResourceSpans, ScopeSpans, Span> = {
  scopes: (r) => r.scopeSpans,
  items: (s) => s.spans,
  writeItem: writeSpan,
};

function writeSpan(w: ProtobufWriter, s: Span): void {
  writeId(w, 1, s.traceId);
  writeId(w, 2, s.spanId);
  if (s.traceState) w.string(3, s.traceState);
  writeId(w, 4, s.parentSpanId);
  w.string(5, s.name);
  if (s.kind) w.int64(6, s.kind);
  w.fixed64Number(7, s.startTimeUnixNano);
  w.fixed64Number(8, s.endTimeUnixNano);
  writeAttributes(w, 9, s.attributes);
  for (const e of s.events) {
    const ev = w.beginLen(11);
    w.fixed64Number(1, e.timeUnixNano);
    w.string(2, e.name);
    writeAttributes(w, 3, e.attributes);
    w.endLen(ev);
  }
  for (const l of s.links) {
    const link = w.beginLen(13);
    writeId(w, 1, l.traceId);
    writeId(w, 2, l.spanId);
    if (l.traceState) w.string(3, l.traceState);
    writeAttributes(w, 4, l.attributes);
    w.endLen(link);
  }
  if (s.status.code || s.status.message) {
    const st = w.beginLen(15);
    if (s.status.message) w.string(2, s.status.message);
    if (s.status.code) w.int64(3, s.status.code);
    w.endLen(st);
  }
}
