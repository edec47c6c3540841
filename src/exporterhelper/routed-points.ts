import type { Metric, MetricsBatch, ResourceMetrics, ScopeMetrics } from '../model/metrics.ts';
import { attributesKey, attributesKeyOfScope, routingKey, type RoutingRule } from '../routing/index.ts';

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

/** Pure: a batch into its points, each with its routing key. Keys that do not depend on the point are computed once per resource, scope or metric. */
export function routedPoints(batch: MetricsBatch, rule: RoutingRule): RoutedPoint[] {
  const { kind, attributes: names } = rule;
  const out: RoutedPoint[] = [];
  for (const rm of batch.resourceMetrics) {
    const resource = rm.resource.attributes;
    const resourceKey = kind === 'service' || kind === 'resource' ? routingKey(kind, { resource }) : undefined;
    for (const sm of rm.scopeMetrics) {
      const scopeKey = resourceKey ?? (kind === 'attributes' ? attributesKeyOfScope(names, resource, sm.scope.attributes) : undefined);
      for (const metric of sm.metrics) {
        const metricKey = scopeKey ?? (kind === 'metric' ? metric.name : undefined);
        for (const point of metric.points) {
          const key = metricKey ?? (kind === 'attributes' ? attributesKey(names, resource, sm.scope.attributes, point.attributes) : routingKey('streamID', { resource, metric: metric.name, attributes: point.attributes }));
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
