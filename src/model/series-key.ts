import type { Attributes } from './common.ts';

/**
 * A canonical key for an attribute set: the same labels in any order give the same key. Used by every
 * stateful stage to identify a series. Joined from parts, not `+=`: a concatenated key is a rope of
 * small strings that costs ~4× the memory of the flat string for as long as a stage keeps it.
 * Built anew on every call: for a set built on the spot and keyed once. Per point, use `seriesKey`.
 */
export function attributesKey(attributes: Attributes): string {
  const keys = Object.keys(attributes);
  if (keys.length === 0) return '';
  keys.sort();
  const parts: string[] = [];
  for (const k of keys) {
    const v = attributes[k];
    parts.push(JSON.stringify(k), '=', typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v, bytesAsArray)!, ';');
  }
  return parts.join('');
}

function bytesAsArray(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? Array.from(value) : value;
}

const KEYS = new WeakMap<Attributes, string>();

/**
 * The series key of a point's attribute set (`attributesKey`), worked out once per attribute-set object
 * and then remembered with it. Points that share an attribute set share the object (the decoders give
 * every point of a request with the same encoded attributes one object; stages that change attributes
 * give the points of one input set one output set), and no stage writes into an attribute set, so the
 * key of an object never changes. This is the series identity within a metric and resource: what the
 * stateful stages key their state on, and what a router hashes to send a series always to one place.
 */
export function seriesKey(attributes: Attributes): string {
  let key = KEYS.get(attributes);
  if (key === undefined) {
    key = attributesKey(attributes);
    KEYS.set(attributes, key);
  }
  return key;
}
