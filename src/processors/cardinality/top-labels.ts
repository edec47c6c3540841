import type { Attributes } from '../../model/common.ts';
import { labelValue } from '../../model/attribute-value.ts';

/** Distinct values counted per label and metric: enough to name the culprit, bounded in memory. */
export const DISTINCT_VALUES_CAP = 1000;

export interface TopLabelRow {
  metric: string;
  label: string;
  /** Counted up to DISTINCT_VALUES_CAP; `capped` says there were at least that many. */
  distinct_values: number;
  capped?: true;
}

/** The distinct values of each label among the label sets of one metric (of one resource) that went over a limit. */
export class TopLabels {
  private readonly values = new Map<string, Set<string>>();

  add(attributes: Attributes): void {
    for (const label in attributes) {
      let seen = this.values.get(label);
      if (!seen) this.values.set(label, (seen = new Set()));
      if (seen.size < DISTINCT_VALUES_CAP) seen.add(labelValue(attributes[label]!));
    }
  }

  /** The `limit` labels with the most distinct values, over every resource, per metric. */
  static rows(byMetric: Iterable<[metric: string, top: TopLabels]>, limit = 5): TopLabelRow[] {
    const union = new Map<string, { metric: string; label: string; values: Set<string> }>();
    for (const [metric, top] of byMetric) {
      for (const [label, values] of top.values) {
        const key = JSON.stringify([metric, label]);
        const u = union.get(key) ?? { metric, label, values: new Set<string>() };
        union.set(key, u);
        for (const v of values) {
          if (u.values.size >= DISTINCT_VALUES_CAP) break;
          u.values.add(v);
        }
      }
    }
    return [...union.values()]
      .map(({ metric, label, values }): TopLabelRow => ({ metric, label, distinct_values: values.size, ...(values.size >= DISTINCT_VALUES_CAP ? { capped: true as const } : {}) }))
      .sort((a, b) => b.distinct_values - a.distinct_values || a.metric.localeCompare(b.metric) || a.label.localeCompare(b.label))
      .slice(0, limit);
  }
}
