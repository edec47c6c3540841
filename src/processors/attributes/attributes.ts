import { createHash } from 'node:crypto';
import type { AttributeValue, Attributes, Resource } from '../../model/common.ts';
import type { MetricsBatch } from '../../model/metrics.ts';
import { mapMetrics, relabelPointsInPlace } from '../../model/transform.ts';
import { labelValue } from '../../model/attribute-value.ts';
import { metricNameFilter } from '../match/metric-name-matcher.ts';
import { DerivedSets } from '../derived-sets.ts';
import type { AttributeAction, AttributesConfig } from './config.ts';

interface Compiled {
  action: AttributeAction;
  pattern: RegExp | undefined;
}

/**
 * The `attributes` transform: insert (only if absent), update (only if present), upsert, delete or hash
 * (SHA-256 hex, as the Collector) point labels, from a value, another label, or the resource (the first
 * resource attribute present; absent everywhere: nothing is done). Resource-derived values are worked
 * out once per resource. It owns the batches it gets (its factory says `mutatesData`): a point's
 * `attributes` is replaced in place, no point is copied; the attribute sets themselves are never
 * written into (the result is a new set, shared by every point that had the same input set).
 */
export class AttributesTransform {
  private readonly actions: Compiled[];
  private readonly inScope: (name: string) => boolean;
  /** Kept across batches: an attribute set that comes again as the same object gets the same result object. */
  private readonly done = new DerivedSets<readonly (AttributeValue | undefined)[]>(sameValues);

  constructor(config: AttributesConfig) {
    this.actions = config.actions.map((action) => ({ action, pattern: action.pattern !== undefined ? new RegExp(action.pattern) : undefined }));
    this.inScope = metricNameFilter(config.include, config.exclude);
  }

  processMetrics(batch: MetricsBatch): MetricsBatch {
    let resource: Resource | undefined;
    let fromResource: (AttributeValue | undefined)[] = [];
    // Made once a batch and read `fromResource` as it stands: no closure per metric or point.
    const apply = (input: Attributes) => this.apply(input, fromResource);
    // Points that shared an attribute set share its result: one object, and one series key downstream.
    const attributesOf = (given: Attributes) => this.done.derive(given, fromResource, apply);
    return mapMetrics(batch, (m, ctx) => {
      if (!this.inScope(m.name)) return m;
      if (ctx.resource !== resource) {
        resource = ctx.resource;
        fromResource = this.actions.map(({ action }) => action.from_resource?.map((k) => ctx.resource.attributes[k]).find((v) => v !== undefined));
      }
      return relabelPointsInPlace(m, attributesOf);
    });
  }

  private apply(input: Attributes, fromResource: (AttributeValue | undefined)[]): Attributes {
    let out = input;
    for (let i = 0; i < this.actions.length; i++) {
      const { action: a, pattern } = this.actions[i]!;
      if (a.action === 'delete' || a.action === 'hash') {
        for (const k of Object.keys(out)) {
          if (pattern ? !pattern.test(k) : k !== a.key) continue;
          if (out === input) out = { ...input };
          if (a.action === 'delete') delete out[k];
          else out[k] = createHash('sha256').update(labelValue(out[k]!)).digest('hex');
        }
        continue;
      }
      const value = a.value ?? (a.from_attribute !== undefined ? out[a.from_attribute] : fromResource[i]);
      if (value === undefined) continue;
      const present = out[a.key!] !== undefined;
      if ((a.action === 'insert' && present) || (a.action === 'update' && !present)) continue;
      if (out[a.key!] === value) continue;
      if (out === input) out = { ...input };
      out[a.key!] = value;
    }
    return out;
  }
}

function sameValues(a: readonly (AttributeValue | undefined)[], b: readonly (AttributeValue | undefined)[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
