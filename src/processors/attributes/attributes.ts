import { createHash } from 'node:crypto';
import type { AttributeValue, Attributes, Resource } from '../../model/common.ts';
import type { Metric, MetricsBatch } from '../../model/metrics.ts';
import { mapMetrics } from '../../model/transform.ts';
import { labelValue } from '../../model/attribute-value.ts';
import { metricNameFilter } from '../match/metric-name-matcher.ts';
import type { AttributeAction, AttributesConfig } from './config.ts';

interface Compiled {
  action: AttributeAction;
  pattern: RegExp | undefined;
}

/**
 * The `attributes` transform: insert (only if absent), update (only if present), upsert, delete or hash
 * (SHA-256 hex, as the Collector) point labels, from a value, another label, or the resource (the first
 * resource attribute present; absent everywhere: nothing is done). Resource-derived values are worked
 * out once per resource; a point left unchanged is not copied.
 */
export class AttributesTransform {
  private readonly actions: Compiled[];
  private readonly inScope: (name: string) => boolean;

  constructor(config: AttributesConfig) {
    this.actions = config.actions.map((action) => ({ action, pattern: action.pattern !== undefined ? new RegExp(action.pattern) : undefined }));
    this.inScope = metricNameFilter(config.include, config.exclude);
  }

  processMetrics(batch: MetricsBatch): MetricsBatch {
    let resource: Resource | undefined;
    let fromResource: (AttributeValue | undefined)[] = [];
    return mapMetrics(batch, (m, ctx) => {
      if (!this.inScope(m.name)) return m;
      if (ctx.resource !== resource) {
        resource = ctx.resource;
        fromResource = this.actions.map(({ action }) => action.from_resource?.map((k) => ctx.resource.attributes[k]).find((v) => v !== undefined));
      }
      let changed = false;
      const points = m.points.map((p) => {
        const attributes = this.apply(p.attributes, fromResource);
        if (attributes === p.attributes) return p;
        changed = true;
        return { ...p, attributes };
      });
      return changed ? ({ ...m, points } as Metric) : m;
    });
  }

  private apply(input: Attributes, fromResource: (AttributeValue | undefined)[]): Attributes {
    let out = input;
    const write = () => (out === input ? (out = { ...input }) : out);
    this.actions.forEach(({ action: a, pattern }, i) => {
      if (a.action === 'delete' || a.action === 'hash') {
        for (const k of Object.keys(out)) {
          if (pattern ? !pattern.test(k) : k !== a.key) continue;
          if (a.action === 'delete') delete write()[k];
          else write()[k] = createHash('sha256').update(labelValue(out[k]!)).digest('hex');
        }
        return;
      }
      const value = a.value ?? (a.from_attribute !== undefined ? out[a.from_attribute] : fromResource[i]);
      if (value === undefined) return;
      const present = out[a.key!] !== undefined;
      if ((a.action === 'insert' && present) || (a.action === 'update' && !present)) return;
      if (out[a.key!] === value) return;
      write()[a.key!] = value;
    });
    return out;
  }
}
