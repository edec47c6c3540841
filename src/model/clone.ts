import type { Metric, MetricsBatch } from './metrics.ts';

type Point = Metric['points'][number];

/**
 * A copy of a batch that a stage may change in place (see the ownership rule in src/pipeline/README.md):
 * new containers (resource and scope lists, metrics, point lists) and new point objects. What the rule
 * never lets a stage write into is shared, not copied: resources, scopes, attribute sets (the decoders'
 * interner and the stages' caches share them across batches) and the values inside a point (bucket
 * arrays, exponential buckets).
 */
export function cloneMetricsBatch(batch: MetricsBatch): MetricsBatch {
  return {
    resourceMetrics: batch.resourceMetrics.map((rm) => ({
      ...rm,
      scopeMetrics: rm.scopeMetrics.map((sm) => ({ ...sm, metrics: sm.metrics.map(cloneMetric) })),
    })),
  };
}

function cloneMetric(m: Metric): Metric {
  const points: Point[] = new Array<Point>(m.points.length);
  for (let i = 0; i < points.length; i++) points[i] = { ...m.points[i]! };
  return { ...m, points } as Metric;
}
