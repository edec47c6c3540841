import type { Metric, MetricsBatch, ResourceMetrics, ScopeMetrics } from '../model/metrics.ts';
import { routingKey, type RoutingKeyKind } from '../routing/index.ts';

type AnyPoint = Metric['points'][number];

/** One data point with what it belongs to: what the routing exporters (`loadbalancing`, `nats`) queue and route. */
export interface RoutedPoint {
  rm: ResourceMetrics;
  sm: ScopeMetrics;
  metric: Metric;
  point: AnyPoint;
  /** The point's routing key (src/routing), kept so a re-route needs no recomputation. */
  key: string;
}

/** Pure: a batch into its points, each with its routing key. Keys other than streamID are computed once per resource or metric. */
export function routedPoints(batch: MetricsBatch, kind: RoutingKeyKind): RoutedPoint[] {
  const out: RoutedPoint[] = [];
  for (const rm of batch.resourceMetrics) {
    const resourceKey = kind === 'service' || kind === 'resource' ? routingKey(kind, { resource: rm.resource.attributes }) : undefined;
    for (const sm of rm.scopeMetrics) {
      for (const metric of sm.metrics) {
        const metricKey = resourceKey ?? (kind === 'metric' ? metric.name : undefined);
        for (const point of metric.points) {
          const key = metricKey ?? routingKey('streamID', { resource: rm.resource.attributes, metric: metric.name, attributes: point.attributes });
          out.push({ rm, sm, metric, point, key });
        }
      }
    }
  }
  return out;
}

/** Pure: points back into a batch, keeping their resources, scopes and metrics (shared objects are never mutated). */
export function batchOf(points: readonly RoutedPoint[]): MetricsBatch {
  const resources = new Map<ResourceMetrics, Map<ScopeMetrics, Map<Metric, AnyPoint[]>>>();
  for (const p of points) {
    let scopes = resources.get(p.rm);
    if (!scopes) resources.set(p.rm, (scopes = new Map()));
    let metrics = scopes.get(p.sm);
    if (!metrics) scopes.set(p.sm, (metrics = new Map()));
    let list = metrics.get(p.metric);
    if (!list) metrics.set(p.metric, (list = []));
    list.push(p.point);
  }
  const resourceMetrics: ResourceMetrics[] = [];
  for (const [rm, scopes] of resources) {
    const scopeMetrics: ScopeMetrics[] = [];
    for (const [sm, metrics] of scopes) {
      scopeMetrics.push({ ...sm, metrics: [...metrics].map(([m, pts]) => ({ ...m, points: pts }) as Metric) });
    }
    resourceMetrics.push({ ...rm, scopeMetrics });
  }
  return { resourceMetrics };
}
