import type { Attributes, AttributeValue, Signal } from '../model/common.ts';

/**
 * What a series is routed by, as the Collector's `loadbalancing` exporter names it (`routing_key`):
 * - `service`: the resource's `service.name`: every series of a service in one place;
 * - `resource`: every resource attribute;
 * - `metric`: the metric name;
 * - `streamID`: resource + metric name + the point's attributes: one series;
 * - `traceID`: a span's (or log record's) trace ID: every span of a trace in one place.
 */
export type RoutingKeyKind = 'service' | 'resource' | 'metric' | 'streamID' | 'traceID';

export const ROUTING_KEY_KINDS: readonly RoutingKeyKind[] = ['service', 'resource', 'metric', 'streamID', 'traceID'];

/** The kinds that mean something for each signal (a span has no metric name, a point no trace ID). */
export const ROUTING_KEYS_OF: Readonly<Record<Signal, readonly RoutingKeyKind[]>> = {
  metrics: ['service', 'resource', 'metric', 'streamID'],
  traces: ['traceID', 'service', 'resource'],
  logs: ['traceID', 'service', 'resource'],
};

/** The kind used when none is configured, as the Collector's `loadbalancing` exporter: one series, or one trace. */
export const DEFAULT_ROUTING_KEY: Readonly<Record<Signal, RoutingKeyKind>> = { metrics: 'streamID', traces: 'traceID', logs: 'traceID' };

/** Why `kind` cannot route `signal`, or undefined when it can: the message of a config issue at `routing_key`. */
export function routingKeyProblem(kind: RoutingKeyKind | undefined, signal: Signal): string | undefined {
  if (kind === undefined || ROUTING_KEYS_OF[signal].includes(kind)) return undefined;
  return `routing_key "${kind}" cannot route ${signal} (for ${signal}: ${ROUTING_KEYS_OF[signal].join(', ')}); this exporter is in a ${signal} pipeline`;
}

/** What a routing key is built from; only the parts its kind uses are read. */
export interface SeriesIdentity {
  resource: Attributes;
  metric?: string;
  attributes?: Attributes;
  /** Lower-case hex; for `traceID`. */
  traceId?: string;
}

/**
 * The routing key of a series as a string in one fixed, documented encoding (src/routing/README.md).
 * It is a wire contract, not a cache: gateways of different versions must produce the same bytes, so it
 * does not reuse the data model's internal series keys, which may change.
 */
export function routingKey(kind: RoutingKeyKind, id: SeriesIdentity): string {
  switch (kind) {
    case 'service': {
      const name = id.resource['service.name'];
      return name === undefined ? '' : typeof name === 'string' ? name : canonicalValue(name);
    }
    case 'resource':
      return canonicalAttributes(id.resource);
    case 'metric':
      return id.metric ?? '';
    case 'streamID':
      return `${canonicalAttributes(id.resource)}\n${id.metric ?? ''}\n${canonicalAttributes(id.attributes ?? {})}`;
    case 'traceID':
      return id.traceId ?? '';
  }
}

/** `{"k1":v1,"k2":v2}` with keys sorted by UTF-16 code unit, values as canonicalValue. */
export function canonicalAttributes(attributes: Attributes): string {
  const keys = Object.keys(attributes).sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    if (i > 0) out += ',';
    out += JSON.stringify(keys[i]) + ':' + canonicalValue(attributes[keys[i]!]!);
  }
  return out + '}';
}

/** JSON, except that bytes are `{"bytes":"<base64>"}`, maps have sorted keys, and -0 is 0. */
function canonicalValue(v: AttributeValue): string {
  if (typeof v === 'string' || typeof v === 'boolean') return JSON.stringify(v);
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : JSON.stringify(String(v));
  if (v instanceof Uint8Array) return `{"bytes":${JSON.stringify(Buffer.from(v).toString('base64'))}}`;
  if (Array.isArray(v)) return `[${v.map(canonicalValue).join(',')}]`;
  return canonicalAttributes(v as Attributes);
}
