import type { Attributes, AttributeValue, Signal } from '../model/common.ts';

/**
 * What a series is routed by, as the Collector's `loadbalancing` exporter names it (`routing_key`):
 * - `service`: the resource's `service.name`: every series of a service in one place;
 * - `resource`: every resource attribute;
 * - `metric`: the metric name;
 * - `streamID`: resource + metric name + the point's attributes: one series;
 * - `traceID`: a span's (or log record's) trace ID: every span of a trace in one place;
 * - `attributes`: the values of a configured list of attributes (`routing_attributes`), each looked up
 *   on the resource, then the scope, then the item itself (point, span, log record).
 */
export type RoutingKeyKind = 'service' | 'resource' | 'metric' | 'streamID' | 'traceID' | 'attributes';

export const ROUTING_KEY_KINDS: readonly RoutingKeyKind[] = ['service', 'resource', 'metric', 'streamID', 'traceID', 'attributes'];

/** The kinds that mean something for each signal (a span has no metric name, a point no trace ID). */
export const ROUTING_KEYS_OF: Readonly<Record<Signal, readonly RoutingKeyKind[]>> = {
  metrics: ['service', 'resource', 'metric', 'streamID', 'attributes'],
  traces: ['traceID', 'service', 'resource', 'attributes'],
  logs: ['traceID', 'service', 'resource', 'attributes'],
};

/** A configured routing key: its kind and, for `attributes`, the names of the attributes (`routing_attributes`). */
export interface RoutingRule {
  kind: RoutingKeyKind;
  attributes: readonly string[];
}

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
  /** The instrumentation scope's attributes; for `attributes`. */
  scope?: Attributes;
}

/**
 * The routing key of a series as a string in one fixed, documented encoding (src/routing/README.md).
 * It is a wire contract, not a cache: gateways of different versions must produce the same bytes, so it
 * does not reuse the data model's internal series keys, which may change.
 */
export function routingKey(kind: RoutingKeyKind, id: SeriesIdentity, attributeNames: readonly string[] = []): string {
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
    case 'attributes':
      return attributesKey(attributeNames, id.resource, id.scope ?? {}, id.attributes ?? {});
  }
}

/**
 * The `attributes` key: `[v1,v2,…]`, one value per configured name in the configured order, each the
 * first found on the resource, then the scope, then the item (canonicalValue), `null` where none has it.
 * Items that agree on every listed attribute share a key, whatever else differs.
 */
export function attributesKey(names: readonly string[], resource: Attributes, scope: Attributes, item: Attributes): string {
  let out = '[';
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const v = resource[name] ?? scope[name] ?? item[name];
    out += (i > 0 ? ',' : '') + (v === undefined ? 'null' : canonicalValue(v));
  }
  return out + ']';
}

/** Whether every configured name is found on the resource or the scope: then the key is the same for all of a scope's items. */
export function attributesKeyOfScope(names: readonly string[], resource: Attributes, scope: Attributes): string | undefined {
  for (const name of names) if (resource[name] === undefined && scope[name] === undefined) return undefined;
  return attributesKey(names, resource, scope, {});
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
