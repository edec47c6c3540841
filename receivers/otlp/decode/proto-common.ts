import type { AttributeValue, Attributes, InstrumentationScope, Resource } from '../../../src/model/common.ts';
import { I64, LEN, VARINT, type WireReader } from './wire.ts';

/** opentelemetry.proto.common.v1.AnyValue */
export function readAnyValue(r: WireReader, end: number): AttributeValue | undefined {
  let value: AttributeValue | undefined;
  while (r.pos < end) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wt = tag & 7;
    switch (field) {
      case 1:
        r.expect(wt, LEN, field, 'AnyValue');
        value = r.string();
        break;
      case 2:
        r.expect(wt, VARINT, field, 'AnyValue');
        value = r.bool();
        break;
      case 3:
        r.expect(wt, VARINT, field, 'AnyValue');
        value = r.varint64();
        break;
      case 4:
        r.expect(wt, I64, field, 'AnyValue');
        value = r.double();
        break;
      case 5: {
        r.expect(wt, LEN, field, 'AnyValue');
        const e = r.lengthEnd('ArrayValue');
        value = readArrayValue(r, e);
        break;
      }
      case 6: {
        r.expect(wt, LEN, field, 'AnyValue');
        const e = r.lengthEnd('KeyValueList');
        const kv: Attributes = {};
        readKeyValueList(r, e, kv);
        value = kv;
        break;
      }
      case 7:
        r.expect(wt, LEN, field, 'AnyValue');
        value = r.bytes();
        break;
      default:
        r.skip(wt, field);
    }
  }
  r.checkEnd(end, 'AnyValue');
  return value;
}

function readArrayValue(r: WireReader, end: number): AttributeValue[] {
  const values: AttributeValue[] = [];
  while (r.pos < end) {
    const tag = r.tag();
    if (tag >>> 3 === 1) {
      r.expect(tag & 7, LEN, 1, 'ArrayValue');
      const e = r.lengthEnd('AnyValue');
      const v = readAnyValue(r, e);
      if (v !== undefined) values.push(v);
    } else r.skip(tag & 7, tag >>> 3);
  }
  r.checkEnd(end, 'ArrayValue');
  return values;
}

/** KeyValueList.values (field 1): the same shape as any repeated `KeyValue attributes` field. */
function readKeyValueList(r: WireReader, end: number, into: Attributes): void {
  while (r.pos < end) {
    const tag = r.tag();
    if (tag >>> 3 === 1) {
      r.expect(tag & 7, LEN, 1, 'KeyValueList');
      readKeyValue(r, r.lengthEnd('KeyValue'), into);
    } else r.skip(tag & 7, tag >>> 3);
  }
  r.checkEnd(end, 'KeyValueList');
}

/** One KeyValue, added to `into`; a key without a value is left out, as the SDKs do. */
export function readKeyValue(r: WireReader, end: number, into: Attributes): void {
  let key = '';
  let value: AttributeValue | undefined;
  while (r.pos < end) {
    const tag = r.tag();
    const field = tag >>> 3;
    if (field === 1) {
      r.expect(tag & 7, LEN, field, 'KeyValue');
      key = r.string();
    } else if (field === 2) {
      r.expect(tag & 7, LEN, field, 'KeyValue');
      value = readAnyValue(r, r.lengthEnd('AnyValue'));
    } else r.skip(tag & 7, field);
  }
  r.checkEnd(end, 'KeyValue');
  if (value !== undefined) into[key] = value;
}

/** opentelemetry.proto.resource.v1.Resource */
export function readResource(r: WireReader, end: number): Resource {
  const attributes: Attributes = {};
  let dropped = 0;
  while (r.pos < end) {
    const tag = r.tag();
    const field = tag >>> 3;
    if (field === 1) {
      r.expect(tag & 7, LEN, field, 'Resource');
      readKeyValue(r, r.lengthEnd('KeyValue'), attributes);
    } else if (field === 2) {
      r.expect(tag & 7, VARINT, field, 'Resource');
      dropped = r.varint32();
    } else r.skip(tag & 7, field);
  }
  r.checkEnd(end, 'Resource');
  return dropped ? { attributes, droppedAttributesCount: dropped } : { attributes };
}

/** opentelemetry.proto.common.v1.InstrumentationScope */
export function readScope(r: WireReader, end: number): InstrumentationScope {
  const scope: InstrumentationScope = { name: '', version: '', attributes: {} };
  while (r.pos < end) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1) {
      r.expect(wt, LEN, field, 'InstrumentationScope');
      scope.name = r.string();
    } else if (field === 2) {
      r.expect(wt, LEN, field, 'InstrumentationScope');
      scope.version = r.string();
    } else if (field === 3) {
      r.expect(wt, LEN, field, 'InstrumentationScope');
      readKeyValue(r, r.lengthEnd('KeyValue'), scope.attributes);
    } else r.skip(wt, field);
  }
  r.checkEnd(end, 'InstrumentationScope');
  return scope;
}

export const EMPTY_RESOURCE = (): Resource => ({ attributes: {} });
export const EMPTY_SCOPE = (): InstrumentationScope => ({ name: '', version: '', attributes: {} });
