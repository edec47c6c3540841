import type { Attributes, InstrumentationScope, Resource } from '../model/common.ts';
import { labelValue } from '../model/attribute-value.ts';
import { sanitizeLabelName } from './prometheus-naming.ts';

/** A sorted, de-duplicated label set; `key` identifies the series within its family. */
export interface LabelSet {
  labels: [string, string][];
  key: string;
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
 * A series' label set, with the precedence of the Collector's translator (and the attribute-precedence
 * rule that the more specific attribute wins):
 * - `attributes` (the point's), then `resource` attributes of other keys (resource_to_telemetry);
 *   keys that sanitize to the same name are joined with `;` in the order of the original keys;
 * - `overrides` (job, instance, scope labels) replace a label of the same name;
 * - `defaults` (const labels) only fill names still free.
 * Empty values are left out. `__name__`, `le` and `quantile` are set later, per sample, over these
 * (`prometheus-samples.ts`); attribute names starting with `__` never reach here (`key__…`).
 * This runs once per data point, so the common case allocates only the pairs and the key.
 */
export function labelSet(attributes: Attributes, resource: Attributes | undefined, overrides: Record<string, string>, defaults: Record<string, string>): LabelSet {
  const labels: [string, string][] = [];
  let collided = addAttributes(labels, attributes, undefined);
  if (resource) collided = addAttributes(labels, resource, attributes) || collided;
  if (collided) {
    labels.length = 0;
    joinInKeyOrder(labels, attributes, resource);
  }
  for (const name in overrides) {
    const value = overrides[name]!;
    if (value === '') continue;
    const i = indexOf(labels, name);
    if (i < 0) labels.push([name, value]);
    else labels[i]![1] = value;
  }
  for (const key in defaults) {
    const value = defaults[key]!;
    const name = labelName(key);
    if (value !== '' && indexOf(labels, name) < 0) labels.push([name, value]);
  }
  labels.sort(byName);
  let key = '';
  for (const [k, v] of labels) key += `${k}\u0000${v}\u0001`;
  return { labels, key };
}

/** Adds `attrs` (skipping keys present in `skip`); says whether two keys sanitized to one name. */
function addAttributes(labels: [string, string][], attrs: Attributes, skip: Attributes | undefined): boolean {
  let collided = false;
  for (const key in attrs) {
    if (skip && key in skip) continue;
    const value = labelValue(attrs[key]!);
    if (value === '') continue;
    const name = labelName(key);
    if (indexOf(labels, name) >= 0) collided = true;
    else labels.push([name, value]);
  }
  return collided;
}

/** The rare case: names that collide after sanitizing, joined with `;` in the original keys' order. */
function joinInKeyOrder(labels: [string, string][], attributes: Attributes, resource: Attributes | undefined): void {
  const entries: [string, string][] = [];
  for (const key in attributes) entries.push([key, labelValue(attributes[key]!)]);
  if (resource) for (const key in resource) if (!(key in attributes)) entries.push([key, labelValue(resource[key]!)]);
  entries.sort(byName);
  for (const [key, value] of entries) {
    if (value === '') continue;
    const name = labelName(key);
    const i = indexOf(labels, name);
    if (i < 0) labels.push([name, value]);
    else labels[i]![1] = `${labels[i]![1]};${value}`;
  }
}

function indexOf(labels: [string, string][], name: string): number {
  for (let i = 0; i < labels.length; i++) if (labels[i]![0] === name) return i;
  return -1;
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
