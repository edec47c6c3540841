import type { AttributeValue, Attributes, InstrumentationScope, Resource } from '../model/common.ts';
import { ProtobufWriter } from './protobuf-writer.ts';

/*
 * The parts every OTLP request shares (opentelemetry.proto.common.v1 and resource.v1), for the encoders
 * of each signal. Field numbers are the official protos'.
 */

/** What a signal's encoder tells `encodeRequest`: where its scopes and items are, and how to write one item. */
export interface SignalLayout<R, S, I> {
  scopes(resource: R): readonly S[];
  items(scope: S): readonly I[];
  /** Writes one item's fields (the item's own message is opened and closed around it). */
  writeItem(w: ProtobufWriter, item: I): void;
}

/**
 * An OTLP export request in protobuf, the envelope every signal shares: field 1 a `Resource<Signal>s`
 * per resource (resource 1, scopes 2, schema_url 3), each scope a `Scope<Signal>s` (scope 1, one
 * field 2 per item, schema_url 3); the same field numbers in the metrics, trace and logs protos.
 */
export function encodeRequest<R extends { resource: Resource; schemaUrl: string }, S extends { scope: InstrumentationScope; schemaUrl: string }, I>(
  resources: readonly R[],
  layout: SignalLayout<R, S, I>,
): Buffer {
  const w = new ProtobufWriter();
  for (const r of resources) {
    const rAt = w.beginLen(1);
    writeResource(w, r.resource);
    for (const s of layout.scopes(r)) {
      const sAt = w.beginLen(2);
      writeScope(w, s.scope);
      for (const item of layout.items(s)) {
        const at = w.beginLen(2);
        layout.writeItem(w, item);
        w.endLen(at);
      }
      if (s.schemaUrl) w.string(3, s.schemaUrl);
      w.endLen(sAt);
    }
    if (r.schemaUrl) w.string(3, r.schemaUrl);
    w.endLen(rAt);
  }
  // A copy: the writer's buffer is oversized, and callers keep the request (queues, retries).
  return Buffer.from(w.finish());
}

/** `Resource` as field 1 of a ResourceMetrics / ResourceSpans / ResourceLogs. */
export function writeResource(w: ProtobufWriter, resource: Resource): void {
  const at = w.beginLen(1);
  writeAttributes(w, 1, resource.attributes);
  if (resource.droppedAttributesCount) w.int64(2, resource.droppedAttributesCount);
  w.endLen(at);
}

/** `InstrumentationScope` as field 1 of a ScopeMetrics / ScopeSpans / ScopeLogs. */
export function writeScope(w: ProtobufWriter, scope: InstrumentationScope): void {
  const at = w.beginLen(1);
  if (scope.name) w.string(1, scope.name);
  if (scope.version) w.string(2, scope.version);
  writeAttributes(w, 3, scope.attributes);
  w.endLen(at);
}

/** A trace or span ID (lower-case hex in the model) as bytes; nothing for an empty one. */
export function writeId(w: ProtobufWriter, field: number, hex: string): void {
  if (hex) w.bytes(field, Buffer.from(hex, 'hex'));
}

export function writeAttributes(w: ProtobufWriter, field: number, attributes: Attributes): void {
  for (const key of Object.keys(attributes)) {
    const kv = w.beginLen(field);
    w.string(1, key);
    writeAnyValue(w, 2, attributes[key]!);
    w.endLen(kv);
  }
}

export function writeAnyValue(w: ProtobufWriter, field: number, v: AttributeValue): void {
  const at = w.beginLen(field);
  if (typeof v === 'string') w.string(1, v);
  else if (typeof v === 'boolean') w.int64(2, v ? 1 : 0);
  else if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) w.int64(3, v);
    else w.double(4, v);
  } else if (v instanceof Uint8Array) w.bytes(7, v);
  else if (Array.isArray(v)) {
    const arr = w.beginLen(5);
    for (const x of v as readonly AttributeValue[]) writeAnyValue(w, 1, x);
    w.endLen(arr);
  } else {
    const list = w.beginLen(6);
    writeAttributes(w, 1, v as Attributes);
    w.endLen(list);
  }
  w.endLen(at);
}
