import type { Attributes } from '../../model/common.ts';
import { labelValue } from '../../model/attribute-value.ts';
import { fnv1a64 } from '../../routing/hash.ts';

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
    return TopLabels.union(byMetric)
      .map(({ metric, label, values }) => countRow(metric, label, values.size))
      .sort(byDistinctValues)
      .slice(0, limit);
  }

  /**
   * As `rows`, each with its distinct values as 32-bit hashes: what a `--workers N` worker sends, so that
   * the main thread counts a value two workers saw once (it unions the hashes, `workers/health-merge.ts`).
   * More rows than the page shows, so that a label second in every worker still makes the merged top.
   */
  static mergeableRows(byMetric: Iterable<[metric: string, top: TopLabels]>, limit = 20): MergeableTopLabelRow[] {
    return TopLabels.union(byMetric)
      .sort((a, b) => byDistinctValues(countRow(a.metric, a.label, a.values.size), countRow(b.metric, b.label, b.values.size)))
      .slice(0, limit)
      .map(({ metric, label, values }) => ({ ...countRow(metric, label, values.size), value_hashes: [...values].map((v) => fnv1a64(v).hi) }));
  }

  /** Each metric's labels with their distinct values over every resource, at most DISTINCT_VALUES_CAP each. */
  private static union(byMetric: Iterable<[metric: string, top: TopLabels]>): { metric: string; label: string; values: Set<string> }[] {
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
    return [...union.values()];
  }
}

/** A row as a worker sends it to be merged: `value_hashes`, its distinct values hashed (FNV-1a, the high 32 bits). */
export interface MergeableTopLabelRow extends TopLabelRow {
  value_hashes: number[];
}

function countRow(metric: string, label: string, distinct: number): TopLabelRow {
  return { metric, label, distinct_values: distinct, ...(distinct >= DISTINCT_VALUES_CAP ? { capped: true as const } : {}) };
}

/** Most distinct values first, then by metric and label. */
export function byDistinctValues(a: TopLabelRow, b: TopLabelRow): number {
  return b.distinct_values - a.distinct_values || a.metric.localeCompare(b.metric) || a.label.localeCompare(b.label);
}
