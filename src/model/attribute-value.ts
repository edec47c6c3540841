import type { AttributeValue } from './common.ts';

/**
 * An attribute value as one string: what a label, a tag or a match compares. Strings stay as they are,
 * numbers and booleans print as JavaScript prints them, bytes as base64, arrays and maps as JSON (with
 * bytes inside as base64).
 */
export function labelValue(v: AttributeValue): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  return JSON.stringify(v, (_k, x: unknown) => (x instanceof Uint8Array ? Buffer.from(x).toString('base64') : x));
}
