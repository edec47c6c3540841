import { OtlpDecodeError } from './errors.ts';

/**
 * Typed access to a parsed OTLP/JSON document (the proto3 JSON mapping): field names in lowerCamelCase
 * or as the proto spells them (snake_case), 64-bit integers as decimal strings or JSON numbers, enums as
 * numbers or names, doubles also as "NaN" / "Infinity" / "-Infinity", absent and null alike meaning the
 * default. A value of the wrong type is an OtlpDecodeError naming its JSON path.
 *
 * Paths are built only on failure: each level that walks into a field or an array element catches the
 * error on its way out and puts its own step in front. Building them eagerly (a string per data point)
 * cost more than the rest of the decoding.
 */
export type Json = { readonly [key: string]: unknown };

/** An error whose path is still being assembled as it travels up. */
class JsonShapeError extends OtlpDecodeError {
  private readonly steps: string[];

  constructor(
    step: string,
    private readonly problem: string,
  ) {
    super('');
    this.steps = [step];
    this.update();
  }

  within(step: string): this {
    this.steps.unshift(step);
    this.update();
    return this;
  }

  private update(): void {
    this.message = `$.${this.steps.join('.')}: ${this.problem}`;
  }
}

/** Puts `step` in front of the path of a shape error passing through. */
export function within(error: unknown, step: string): unknown {
  return error instanceof JsonShapeError ? error.within(step) : error;
}

export function parseJson(text: string): Json {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new OtlpDecodeError(`invalid JSON: ${(error as Error).message}`);
  }
  if (!isObject(doc)) throw new OtlpDecodeError('$: expected an object');
  return doc;
}

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const snakeNames = new Map<string, string>();

/** The value of a field under its lowerCamelCase name, else its proto (snake_case) name. */
export function get(o: Json, camel: string): unknown {
  const v = o[camel];
  if (v !== undefined) return v;
  let snake = snakeNames.get(camel);
  if (snake === undefined) {
    snake = camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    snakeNames.set(camel, snake);
  }
  return snake === camel ? undefined : o[snake];
}

/** Maps each object of array field `key` through `fn`, dropping undefined results. */
export function mapObjects<T>(o: Json, key: string, fn: (item: Json) => T | undefined): T[] {
  const v = get(o, key);
  const out: T[] = [];
  if (v === undefined || v === null) return out;
  if (!Array.isArray(v)) throw new JsonShapeError(key, 'expected an array');
  for (let i = 0; i < v.length; i++) {
    const item: unknown = v[i];
    if (!isObject(item)) throw new JsonShapeError(`${key}[${i}]`, 'expected an object');
    let result: T | undefined;
    try {
      result = fn(item);
    } catch (error) {
      throw within(error, `${key}[${i}]`);
    }
    if (result !== undefined) out.push(result);
  }
  return out;
}

/** Maps each element of array field `key` through `fn`, which names what it expected. */
export function mapValues<T>(o: Json, key: string, fn: (v: unknown) => T | undefined, expected: string): T[] {
  const v = get(o, key);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new JsonShapeError(key, 'expected an array');
  const out: T[] = new Array<T>(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = fn(v[i]);
    if (x === undefined) throw new JsonShapeError(`${key}[${i}]`, expected);
    out[i] = x;
  }
  return out;
}

/** Runs `fn` on object field `key`; undefined when the field is absent. */
export function child<T>(o: Json, key: string, fn: (c: Json) => T): T | undefined {
  const v = get(o, key);
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw new JsonShapeError(key, 'expected an object');
  try {
    return fn(v);
  } catch (error) {
    throw within(error, key);
  }
}

export function str(o: Json, key: string): string {
  const v = get(o, key);
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '';
  throw new JsonShapeError(key, 'expected a string');
}

export function bool(o: Json, key: string): boolean {
  const v = get(o, key);
  if (typeof v === 'boolean') return v;
  if (v === undefined || v === null) return false;
  throw new JsonShapeError(key, 'expected a boolean');
}

const INTEGER = /^-?\d+$/;

/** An int64, uint64, fixed64 or int32: a decimal string (what the spec says) or a JSON number (what the JS SDK sends). */
export function int(o: Json, key: string): number {
  const v = get(o, key);
  if (v === undefined || v === null) return 0;
  const n = intValue(v);
  if (n === undefined) throw new JsonShapeError(key, 'expected an integer (a JSON number or a decimal string)');
  return n;
}

export function intValue(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? v : undefined;
  if (typeof v === 'string' && INTEGER.test(v)) return Number(v);
  return undefined;
}

/** A double; undefined when absent (so optional fields such as a histogram's min stay unset). */
export function dbl(o: Json, key: string): number | undefined {
  const v = get(o, key);
  if (v === undefined || v === null) return undefined;
  const n = dblValue(v);
  if (n === undefined) throw new JsonShapeError(key, 'expected a number (or "NaN", "Infinity", "-Infinity")');
  return n;
}

export function dblValue(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  const n = Number(v);
  return v.trim() !== '' && !Number.isNaN(n) ? n : undefined;
}

/** An enum: its number, or its name in `names` (index = number). */
export function enumValue(o: Json, key: string, names: readonly string[]): number {
  const v = get(o, key);
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (v === undefined || v === null) return 0;
  if (typeof v === 'string') {
    const i = names.indexOf(v);
    if (i >= 0) return i;
  }
  throw new JsonShapeError(key, `expected a number or one of ${names.join(', ')}`);
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** Trace and span IDs: hex in OTLP/JSON (not base64 as other bytes fields), returned in lower case. */
export function hexId(o: Json, key: string): string {
  const v = str(o, key);
  if (v === '') return v;
  if (!HEX.test(v)) throw new JsonShapeError(key, 'expected a hex string');
  return v.toLowerCase();
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Other bytes fields: base64 (standard or URL-safe alphabet). */
export function base64(o: Json, key: string): Uint8Array {
  const v = str(o, key);
  if (!BASE64.test(v)) throw new JsonShapeError(key, 'expected a base64 string');
  return new Uint8Array(Buffer.from(v, 'base64'));
}

/** For checks a caller makes itself. */
export function fail(key: string, problem: string): never {
  throw new JsonShapeError(key, problem);
}
