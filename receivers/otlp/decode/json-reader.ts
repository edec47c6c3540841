import type { AttributeValue, Attributes, InstrumentationScope, Resource } from '../../../src/model/common.ts';
import { OtlpDecodeError } from './errors.ts';

/**
 * Typed access to a parsed OTLP/JSON document. Field names are lowerCamelCase (the spec) or the proto
 * names (snake_case), int64 values decimal strings or numbers, enums integers or their names; a wrong
 * type is an error that names its JSON path.
 */
export type Json = Record<string, unknown>;

export function parseJson(text: string): Json {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new OtlpDecodeError(`invalid JSON: ${(error as Error).message}`);
  }
  return object(doc, '$');
}

export function object(v: unknown, path: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new OtlpDecodeError(`${path}: expected an object`);
  return v as Json;
}

/** The value of a field under its camelCase or snake_case name. */
export function field(o: Json, camel: string): unknown {
  const v = o[camel];
  if (v !== undefined) return v;
  return o[camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)];
}

export function list(o: Json, camel: string, path: string): unknown[] {
  const v = field(o, camel);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new OtlpDecodeError(`${path}.${camel}: expected an array`);
  return v;
}

export function objects(o: Json, camel: string, path: string): [Json, string][] {
  return list(o, camel, path).map((v, i) => [object(v, `${path}.${camel}[${i}]`), `${path}.${camel}[${i}]`]);
}

export function str(o: Json, camel: string, path: string): string {
  const v = field(o, camel);
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new OtlpDecodeError(`${path}.${camel}: expected a string`);
  return v;
}

/** An int64/uint64/fixed64: a decimal string (the spec) or a JSON number (what some SDKs send). */
export function int(o: Json, camel: string, path: string): number {
  return intValue(field(o, camel), `${path}.${camel}`);
}

export function intValue(v: unknown, path: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  throw new OtlpDecodeError(`${path}: expected an integer (a number or a decimal string)`);
}

/** A double: a number, or "NaN", "Infinity", "-Infinity" as the proto3 JSON mapping writes them. */
export function dbl(o: Json, camel: string, path: string): number | undefined {
  return dblValue(field(o, camel), `${path}.${camel}`);
}

export function dblValue(v: unknown, path: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    if (v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  }
  throw new OtlpDecodeError(`${path}: expected a number`);
}

/** An enum: its number, or its name from `names` (index = number). */
export function enumValue(o: Json, camel: string, path: string, names: readonly string[]): number {
  const v = field(o, camel);
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string') {
    const i = names.indexOf(v);
    if (i >= 0) return i;
  }
  throw new OtlpDecodeError(`${path}.${camel}: expected one of ${names.join(', ')} or its number`);
}

/** Trace and span IDs: hex in OTLP/JSON (not base64, unlike other bytes fields). */
export function hexId(o: Json, camel: string, path: string): string {
  const v = str(o, camel, path);
  if (v !== '' && !/^[0-9a-fA-F]*$/.test(v)) throw new OtlpDecodeError(`${path}.${camel}: expected a hex string`);
  return v.toLowerCase();
}

export function attributes(o: Json, camel: string, path: string): Attributes {
  const out: Attributes = {};
  for (const [kv, p] of objects(o, camel, path)) {
    const key = str(kv, 'key', p);
    const value = kv.value === undefined || kv.value === null ? undefined : anyValue(object(kv.value, `${p}.value`), `${p}.value`);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

export function anyValue(v: Json, path: string): AttributeValue | undefined {
  if ('stringValue' in v || 'string_value' in v) return str(v, 'stringValue', path);
  if ('boolValue' in v || 'bool_value' in v) {
    const b = field(v, 'boolValue');
    if (typeof b !== 'boolean') throw new OtlpDecodeError(`${path}.boolValue: expected a boolean`);
    return b;
  }
  if ('intValue' in v || 'int_value' in v) return int(v, 'intValue', path);
  if ('doubleValue' in v || 'double_value' in v) return dbl(v, 'doubleValue', path);
  if ('arrayValue' in v || 'array_value' in v) {
    const a = object(field(v, 'arrayValue'), `${path}.arrayValue`);
    return objects(a, 'values', `${path}.arrayValue`).flatMap(([x, p]) => {
      const item = anyValue(x, p);
      return item === undefined ? [] : [item];
    });
  }
  if ('kvlistValue' in v || 'kvlist_value' in v) return attributes(object(field(v, 'kvlistValue'), `${path}.kvlistValue`), 'values', `${path}.kvlistValue`);
  if ('bytesValue' in v || 'bytes_value' in v) return new Uint8Array(Buffer.from(str(v, 'bytesValue', path), 'base64'));
  return undefined;
}

export function resource(o: Json, path: string): Resource {
  const r = field(o, 'resource');
  if (r === undefined || r === null) return { attributes: {} };
  const res = object(r, `${path}.resource`);
  return { attributes: attributes(res, 'attributes', `${path}.resource`) };
}

export function scope(o: Json, path: string): InstrumentationScope {
  const s = field(o, 'scope');
  if (s === undefined || s === null) return { name: '', version: '', attributes: {} };
  const sc = object(s, `${path}.scope`);
  const p = `${path}.scope`;
  return { name: str(sc, 'name', p), version: str(sc, 'version', p), attributes: attributes(sc, 'attributes', p) };
}
