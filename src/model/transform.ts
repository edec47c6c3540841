import type { Attributes, InstrumentationScope, Resource } from './common.ts';
import type { Metric, MetricsBatch } from './metrics.ts';

export interface MetricContext {
  resource: Resource;
  scope: InstrumentationScope;
}

/**
 * Rebuilds a batch through `fn`, one metric at a time, without touching the input's containers (a
 * read-only stage's way; a stage that owns the batch may also change metrics in place, see
 * src/pipeline/README.md). `fn` returns the metric itself (kept as is), a new metric, several, or none.
 * Scopes and resources left empty are dropped; untouched parts are shared, not copied.
 */
export function mapMetrics(batch: MetricsBatch, fn: (metric: Metric, ctx: MetricContext) => Metric | readonly Metric[] | undefined): MetricsBatch {
  const resourceMetrics: MetricsBatch['resourceMetrics'] = [];
  for (const rm of batch.resourceMetrics) {
    const scopeMetrics: typeof rm.scopeMetrics = [];
    let scopesChanged = false;
    for (const sm of rm.scopeMetrics) {
      const ctx = { resource: rm.resource, scope: sm.scope };
      const metrics: Metric[] = [];
      let changed = false;
      for (const m of sm.metrics) {
        const out = fn(m, ctx);
        if (out === m) metrics.push(m);
        else {
          changed = true;
          if (out === undefined) continue;
          if (Array.isArray(out)) metrics.push(...(out as readonly Metric[]));
          else metrics.push(out as Metric);
        }
      }
      if (metrics.length > 0) scopeMetrics.push(changed ? { ...sm, metrics } : sm);
      if (changed) scopesChanged = true;
    }
    if (scopeMetrics.length > 0) resourceMetrics.push(scopesChanged ? { ...rm, scopeMetrics } : rm);
  }
  return { resourceMetrics };
}

/** A point's attributes as a stage leaves them; returns its argument itself when it changes nothing. */
export type AttributesOf = (attributes: Attributes) => Attributes;

type Point = Metric['points'][number];

/**
 * The metric with each point's attributes as `attributesOf` makes them, copied only on change: a point
 * whose set comes back unchanged is kept as it is, and a metric none of whose points changed is
 * returned itself (no new array). The copy of the points starts at the first changed one.
 */
export function relabelPoints(m: Metric, attributesOf: AttributesOf): Metric {
  const given = m.points;
  let points: Point[] | undefined;
  for (let i = 0; i < given.length; i++) {
    const p = given[i]!;
    const attributes = attributesOf(p.attributes);
    if (attributes === p.attributes) {
      points?.push(p);
      continue;
    }
    points ??= given.slice(0, i) as Point[];
    points.push({ ...p, attributes } as Point);
  }
  return points ? ({ ...m, points } as Metric) : m;
}

/**
 * `relabelPoints` for a stage that owns the metric (its factory says `mutatesData`): each point's
 * `attributes` field is set to what `attributesOf` makes of it, in place; no point or list is copied.
 * The attribute sets themselves are never written into (they are shared across batches).
 */
export function relabelPointsInPlace(m: Metric, attributesOf: AttributesOf): Metric {
  const points = m.points;
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    const attributes = attributesOf(p.attributes);
    if (attributes !== p.attributes) p.attributes = attributes;
  }
  return m;
}
