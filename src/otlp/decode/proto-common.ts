import type { AttributeValue, Attributes, InstrumentationScope, Resource } from '../../model/common.ts';
import type { AttributeSets } from './attribute-sets.ts';
import { OtlpDecodeError } from './errors.ts';
import { setAttribute } from './set-attribute.ts';
import { I64, LEN, VARINT, schema, type MessageSchema, type WireReader } from './wire.ts';

/** opentelemetry.proto.common.v1 and resource.v1 (field numbers from the official protos). */
const ANY_VALUE = schema('AnyValue', { 1: LEN, 2: VARINT, 3: VARINT, 4: I64, 5: LEN, 6: LEN, 7: LEN });
const ARRAY_VALUE = schema('ArrayValue', { 1: LEN });
const KEY_VALUE_LIST = schema('KeyValueList', { 1: LEN });
const KEY_VALUE = schema('KeyValue', { 1: LEN, 2: LEN });
const RESOURCE = schema('Resource', { 1: LEN, 2: VARINT, 3: LEN });
const SCOPE = schema('InstrumentationScope', { 1: LEN, 2: LEN, 3: LEN, 4: VARINT });

/** Deeper nesting than any real attribute has; the bound keeps hostile input from overflowing the stack. */
const MAX_DEPTH = 64;

/** AnyValue: undefined when no value is set (the KeyValue is then left out, as the SDKs do). */
export function readAnyValue(r: WireReader, end: number, depth = 0): AttributeValue | undefined {
  if (depth > MAX_DEPTH) throw new OtlpDecodeError(`invalid protobuf: AnyValue nested more than ${MAX_DEPTH} levels deep at byte ${r.pos}`);
  let value: AttributeValue | undefined;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 0x0a:
        value = r.string(1, ANY_VALUE, end);
        break;
      case 0x10:
        value = r.bool();
        break;
      case 0x18:
        value = r.int64();
        break;
      case 0x21:
        value = r.double();
        break;
      case 0x2a:
        value = readArrayValue(r, r.end(5, ANY_VALUE, end), depth + 1);
        break;
      case 0x32: {
        const kv: Attributes = {};
        readKeyValueList(r, r.end(6, ANY_VALUE, end), kv, depth + 1);
        value = kv;
        break;
      }
      case 0x3a:
        value = r.bytes(7, ANY_VALUE, end);
        break;
      default:
        r.skip(tag, ANY_VALUE, end);
    }
  }
  r.done(end, ANY_VALUE);
  return value;
}

function readArrayValue(r: WireReader, end: number, depth: number): AttributeValue[] {
  const values: AttributeValue[] = [];
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 0x0a) {
      const v = readAnyValue(r, r.end(1, ARRAY_VALUE, end), depth);
      if (v !== undefined) values.push(v);
    } else r.skip(tag, ARRAY_VALUE, end);
  }
  r.done(end, ARRAY_VALUE);
  return values;
}

function readKeyValueList(r: WireReader, end: number, into: Attributes, depth: number): void {
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 0x0a) readKeyValue(r, r.end(1, KEY_VALUE_LIST, end), into, depth);
    else r.skip(tag, KEY_VALUE_LIST, end);
  }
  r.done(end, KEY_VALUE_LIST);
}

/** One KeyValue, added to `into`. */
export function readKeyValue(r: WireReader, end: number, into: Attributes, depth = 0): void {
  let key = '';
  let value: AttributeValue | undefined;
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 0x0a) key = r.key(1, KEY_VALUE, end);
    else if (tag === 0x12) value = readAnyValue(r, r.end(2, KEY_VALUE, end), depth);
    else r.skip(tag, KEY_VALUE, end);
  }
  r.done(end, KEY_VALUE);
  if (value !== undefined) setAttribute(into, key, value);
}

/**
 * Reads the run of consecutive `repeated KeyValue` fields (tag `tag`, field `field` of `message`) that
 * starts at the tag just read, through the request's attribute-set cache.
 */
export function readAttributeRun(r: WireReader, tag: number, field: number, message: MessageSchema, limit: number, sets: AttributeSets): Attributes {
  const buf = r.buf;
  if (!sets.enabled) {
    const attributes: Attributes = {};
    for (;;) {
      readKeyValue(r, r.end(field, message, limit), attributes);
      if (r.pos < limit && buf[r.pos] === tag) r.pos++;
      else return attributes;
    }
  }
  const start = r.pos - 1; // the tag's one byte: every attributes field number is below 16
  for (;;) {
    r.pos = r.end(field, message, limit);
    if (r.pos < limit && buf[r.pos] === tag) r.pos++;
    else break;
  }
  const runEnd = r.pos;
  const hash = sets.hash(start, runEnd);
  const known = sets.find(start, runEnd, hash);
  if (known !== undefined) return known;
  const attributes: Attributes = {};
  r.pos = start + 1;
  for (;;) {
    readKeyValue(r, r.end(field, message, runEnd), attributes);
    if (r.pos < runEnd) r.pos++; // the next tag of the run, checked above
    else break;
  }
  sets.add(start, runEnd, hash, attributes);
  return attributes;
}

/** opentelemetry.proto.resource.v1.Resource */
export function readResource(r: WireReader, end: number): Resource {
  const attributes: Attributes = {};
  let dropped = 0;
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 0x0a) readKeyValue(r, r.end(1, RESOURCE, end), attributes);
    else if (tag === 0x10) dropped = r.varint32();
    else r.skip(tag, RESOURCE, end);
  }
  r.done(end, RESOURCE);
  return dropped ? { attributes, droppedAttributesCount: dropped } : { attributes };
}

/** opentelemetry.proto.common.v1.InstrumentationScope */
export function readScope(r: WireReader, end: number): InstrumentationScope {
  const scope: InstrumentationScope = { name: '', version: '', attributes: {} };
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 0x0a) scope.name = r.string(1, SCOPE, end);
    else if (tag === 0x12) scope.version = r.string(2, SCOPE, end);
    else if (tag === 0x1a) readKeyValue(r, r.end(3, SCOPE, end), scope.attributes);
    else r.skip(tag, SCOPE, end);
  }
  r.done(end, SCOPE);
  return scope;
}

export const emptyResource = (): Resource => ({ attributes: {} });
export const emptyScope = (): InstrumentationScope => ({ name: '', version: '', attributes: {} });
