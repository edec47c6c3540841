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

/** Label names repeat endlessly; sanitizing each once keeps the hot path free of regexes. */
const LABEL_NAMES = new Map<string, string>();
function labelName(key: string): string {
  let name = LABEL_NAMES.get(key);
  if (name === undefined) {
    name = sanitizeLabelName(key);
    if (LABEL_NAMES.size < 100_000) LABEL_NAMES.set(key, name);
  }
  return name;
}

const byName = (a: [string, string], b: [string, string]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/**
 * Builds a label set from attribute groups (later groups add to earlier ones); attributes whose names
 * sanitize to the same label are joined with `;`, as the compatibility spec says. Empty values are left
 * out. This runs once per data point, so it allocates only the pairs and the key.
 */
export function labelSet(...groups: (Attributes | Record<string, string> | undefined)[]): LabelSet {
  const labels: [string, string][] = [];
  for (const attrs of groups) {
    if (!attrs) continue;
    for (const key in attrs) {
      const value = labelValue(attrs[key]!);
      if (value === '') continue;
      const name = labelName(key);
      let i = 0;
      while (i < labels.length && labels[i]![0] !== name) i++;
      if (i === labels.length) labels.push([name, value]);
      else if (labels[i]![1] !== value) labels[i]![1] = `${labels[i]![1]};${value}`;
    }
  }
  labels.sort(byName);
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
