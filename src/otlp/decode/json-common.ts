import type { AttributeValue, Attributes, InstrumentationScope, Resource } from '../../model/common.ts';
import { base64, bool, child, dbl, fail, get, int, isObject, mapObjects, str, within, type Json } from './json-reader.ts';
import { setAttribute } from './set-attribute.ts';

/** Deeper nesting than any real attribute has; the bound keeps hostile input from overflowing the stack. */
const MAX_DEPTH = 64;

/**
 * A `repeated KeyValue` field as a plain object; a key without a value is left out, as the SDKs do.
 * A plain loop rather than mapObjects: attributes are most of the work.
 */
export function attributes(o: Json, key: string, depth = 0): Attributes {
  const out: Attributes = {};
  const list = get(o, key);
  if (list === undefined || list === null) return out;
  if (!Array.isArray(list)) fail(key, 'expected an array');
  for (let i = 0; i < list.length; i++) {
    const kv: unknown = list[i];
    if (!isObject(kv)) fail(`${key}[${i}]`, 'expected an object');
    const k = kv.key ?? '';
    if (typeof k !== 'string') fail(`${key}[${i}].key`, 'expected a string');
    const v = kv.value;
    if (v === undefined || v === null) continue;
    if (!isObject(v)) fail(`${key}[${i}].value`, 'expected an object');
    let value: AttributeValue | undefined;
    try {
      value = anyValue(v, depth);
    } catch (error) {
      throw within(error, `${key}[${i}].value`);
    }
    if (value !== undefined) setAttribute(out, k, value);
  }
  return out;
}

/** AnyValue: one of its fields is set; undefined when none is. */
export function anyValue(v: Json, depth: number): AttributeValue | undefined {
  const s = v.stringValue;
  if (typeof s === 'string') return s; // the common case, before the general walk
  if (depth > MAX_DEPTH) fail('arrayValue', `nested more than ${MAX_DEPTH} levels deep`);
  for (const key in v) {
    switch (key) {
      case 'stringValue':
      case 'string_value':
        return str(v, key);
      case 'intValue':
      case 'int_value':
        return int(v, key);
      case 'doubleValue':
      case 'double_value':
        return dbl(v, key);
      case 'boolValue':
      case 'bool_value':
        return bool(v, key);
      case 'arrayValue':
      case 'array_value':
        return child(v, key, (a) => mapObjects(a, 'values', (x) => anyValue(x, depth + 1)));
      case 'kvlistValue':
      case 'kvlist_value':
        return child(v, key, (kv) => attributes(kv, 'values', depth + 1));
      case 'bytesValue':
      case 'bytes_value':
        return base64(v, key);
    }
  }
  return undefined;
}

export function resource(o: Json): Resource {
  const r = child(o, 'resource', (res) => {
    const dropped = int(res, 'droppedAttributesCount');
    const attrs = attributes(res, 'attributes');
    return dropped ? { attributes: attrs, droppedAttributesCount: dropped } : { attributes: attrs };
  });
  return r ?? { attributes: {} };
}

export function scope(o: Json): InstrumentationScope {
  return child(o, 'scope', (s) => ({ name: str(s, 'name'), version: str(s, 'version'), attributes: attributes(s, 'attributes') })) ?? { name: '', version: '', attributes: {} };
}
