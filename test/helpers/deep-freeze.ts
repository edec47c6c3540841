/** Freezes an object graph, so a test fails if a stage mutates what it was given. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value) && !(value instanceof Uint8Array)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Freezes what the ownership rule (src/pipeline/README.md) keeps read-only even for a stage that owns
 * the batch: resources, scopes, attribute sets and every value inside a point. The containers and each
 * point's `attributes` field stay writable, so a test fails if a mutating stage writes past the rule.
 */
export function freezeShared<T extends { resourceMetrics: readonly { resource: object; scopeMetrics: readonly { scope: object; metrics: readonly { points: readonly object[] }[] }[] }[] }>(batch: T): T {
  for (const rm of batch.resourceMetrics) {
    deepFreeze(rm.resource);
    for (const sm of rm.scopeMetrics) {
      deepFreeze(sm.scope);
      for (const m of sm.metrics) {
        for (const p of m.points) {
          for (const [key, value] of Object.entries(p)) {
            deepFreeze(value);
            if (key !== 'attributes') Object.defineProperty(p, key, { writable: false, configurable: false });
          }
          Object.preventExtensions(p);
        }
      }
    }
  }
  return batch;
}
