import type { AttributeValue, Attributes, InstrumentationScope, Resource } from '../model/common.ts';
import { sanitizeLabelName } from './prometheus-naming.ts';

/** A sorted, de-duplicated label set; `key` identifies the series within its family. */
export interface LabelSet {
  labels: [string, string][];
  key: string;
}

export function labelValue(v: AttributeValue): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  return JSON.stringify(v, (_k, x: unknown) => (x instanceof Uint8Array ? Buffer.from(x).toString('base64') : x));
}

/** Builds label sets; attributes whose names sanitize to the same label are joined with `;` (spec). */
export function labelSet(...groups: (Attributes | Record<string, string> | undefined)[]): LabelSet {
  const out = new Map<string, string>();
  for (const attrs of groups) {
    if (!attrs) continue;
    for (const key of Object.keys(attrs).sort()) {
      const name = sanitizeLabelName(key);
      const value = labelValue(attrs[key]!);
      if (value === '') continue;
      const prev = out.get(name);
      out.set(name, prev === undefined || prev === value ? value : `${prev};${value}`);
    }
  }
  const labels = [...out.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let key = '';
  for (const [k, v] of labels) key += `${k}\u0000${v}\u0001`;
  return { labels, key };
}

const RESOURCE_IDENTITY = new Set(['service.name', 'service.namespace', 'service.instance.id']);

/** `job` and `instance` from the resource, as the compatibility specification maps them. */
export function jobAndInstance(resource: Resource): Record<string, string> {
  const a = resource.attributes;
  const out: Record<string, string> = {};
  const name = a['service.name'];
  const ns = a['service.namespace'];
  if (name !== undefined) out.job = ns !== undefined && ns !== '' ? `${labelValue(ns)}/${labelValue(name)}` : labelValue(name);
  const instance = a['service.instance.id'];
  if (instance !== undefined) out.instance = labelValue(instance);
  return out;
}

/** The resource attributes other than the job/instance ones: the labels of `target_info`. */
export function targetInfoAttributes(resource: Resource): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(resource.attributes)) if (!RESOURCE_IDENTITY.has(k)) out[k] = v;
  return out;
}

export function scopeLabels(scope: InstrumentationScope): Record<string, string> {
  const out: Record<string, string> = {};
  if (scope.name) out.otel_scope_name = scope.name;
  if (scope.version) out.otel_scope_version = scope.version;
  return out;
}
