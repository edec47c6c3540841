import type { AttributeValue, Attributes } from '../model/common.ts';
import type { LogsBatch } from '../model/logs.ts';
import type { MetricsBatch } from '../model/metrics.ts';
import type { TracesBatch } from '../model/traces.ts';

export interface AttributeLimits {
  /** Attributes kept per point, span, event, link, log record, resource or scope; the rest are dropped. */
  maxAttributes: number;
  /** Characters kept of a string value (bytes of a bytes value), in arrays and maps too. */
  maxValueLength: number;
}

/** What the limits changed in one request. */
export interface Truncations {
  /** Attributes dropped for being over the count. */
  droppedAttributes: number;
  /** Values cut to the length limit. */
  truncatedValues: number;
}

/**
 * Attribute sets already found within limits (by the limits' signature). The decoder gives a series the
 * same set object request after request (AttributeInterner), so a set is checked once, not per request.
 */
const withinLimits = new WeakMap<Attributes, string>();

function limitsSignature(limits: AttributeLimits): string {
  return `${limits.maxAttributes}/${limits.maxValueLength}`;
}

/**
 * Applies the attribute limits to a decoded batch, as the SDKs' attribute limits do: extra attributes
 * dropped (the first ones kept), long values cut. The decoder shares one attribute object among the
 * points of a series, so each distinct object is limited once and its replacement shared alike; the
 * originals are never changed. A batch within the limits costs one pass and no allocation.
 */
export function limitAttributes(batch: MetricsBatch | TracesBatch | LogsBatch, limits: AttributeLimits): Truncations {
  const t: Truncations = { droppedAttributes: 0, truncatedValues: 0 };
  const done = new Map<Attributes, Attributes>();
  const signature = limitsSignature(limits);
  const limit = (attributes: Attributes): Attributes => {
    if (withinLimits.get(attributes) === signature) return attributes;
    let out = done.get(attributes);
    if (out === undefined) {
      out = limitOne(attributes, limits, t);
      done.set(attributes, out);
      if (out === attributes) withinLimits.set(attributes, signature);
    }
    return out;
  };
  const holders = (h: { attributes: Attributes }) => (h.attributes = limit(h.attributes));
  if ('resourceMetrics' in batch) {
    for (const rm of batch.resourceMetrics) {
      holders(rm.resource);
      for (const sm of rm.scopeMetrics) {
        holders(sm.scope);
        // Indexed, as in every per-point loop that runs once a request: see CumulativeState.apply.
        for (const m of sm.metrics) for (let i = 0; i < m.points.length; i++) holders(m.points[i]!);
      }
    }
  } else if ('resourceSpans' in batch) {
    for (const rs of batch.resourceSpans) {
      holders(rs.resource);
      for (const ss of rs.scopeSpans) {
        holders(ss.scope);
        for (const s of ss.spans) {
          holders(s);
          s.events.forEach(holders);
          s.links.forEach(holders);
        }
      }
    }
  } else {
    for (const rl of batch.resourceLogs) {
      holders(rl.resource);
      for (const sl of rl.scopeLogs) {
        holders(sl.scope);
        sl.logRecords.forEach(holders);
      }
    }
  }
  return t;
}

/** One attribute set within the limits (the same object when nothing had to change). */
export function limitOne(attributes: Attributes, limits: AttributeLimits, t: Truncations): Attributes {
  if (within(attributes, limits)) return attributes;
  const keys = Object.keys(attributes);
  const over = keys.length > limits.maxAttributes;
  const kept = over ? keys.slice(0, limits.maxAttributes) : keys;
  let changed = over;
  const values = kept.map((k) => {
    const v = attributes[k]!;
    const cut = limitValue(v, limits.maxValueLength, t);
    if (cut !== v) changed = true;
    return cut;
  });
  if (!changed) return attributes;
  t.droppedAttributes += keys.length - kept.length;
  const out: Attributes = {};
  // defineProperty: a key named "__proto__" stays an ordinary property (see set-attribute.ts).
  kept.forEach((k, i) => Object.defineProperty(out, k, { value: values[i], enumerable: true, writable: true, configurable: true }));
  return out;
}

/** Whether a set of scalar values is within the limits, found without allocating (the usual case). */
function within(attributes: Attributes, limits: AttributeLimits): boolean {
  let n = 0;
  for (const k in attributes) {
    if (++n > limits.maxAttributes) return false;
    const v = attributes[k];
    if (typeof v === 'string' || v instanceof Uint8Array) {
      if (v.length > limits.maxValueLength) return false;
    } else if (typeof v === 'object' && v !== null) return false;
  }
  return true;
}

function limitValue(v: AttributeValue, max: number, t: Truncations): AttributeValue {
  if (typeof v === 'string') {
    if (v.length <= max) return v;
    t.truncatedValues++;
    return v.slice(0, max);
  }
  if (v instanceof Uint8Array) {
    if (v.length <= max) return v;
    t.truncatedValues++;
    return v.subarray(0, max);
  }
  if (Array.isArray(v)) {
    let changed = false;
    const out = v.map((x) => {
      const c = limitValue(x, max, t);
      if (c !== x) changed = true;
      return c;
    });
    return changed ? out : v;
  }
  if (typeof v === 'object' && v !== null) {
    const map = v as Attributes;
    let changed = false;
    const out: Attributes = {};
    for (const k of Object.keys(map)) {
      const c = limitValue(map[k]!, max, t);
      if (c !== map[k]) changed = true;
      Object.defineProperty(out, k, { value: c, enumerable: true, writable: true, configurable: true });
    }
    return changed ? out : v;
  }
  return v;
}
