import { datadogUses } from './datadog-query.ts';
import type { Produced } from './produced.ts';
import { promqlUses, QueryParseError } from './promql.ts';
import { needsLabel, type DashboardQuery, type MetricUse } from './uses.ts';

/** One thing a dashboard queries that the gateway does not produce, or a query that could not be read. */
export interface Finding {
  where: string;
  query: string;
  /** What is wrong, e.g. `metric "x" is not produced`. */
  problem: string;
  metric?: string;
  label?: string;
}

/** Every metric the queries read that `produced` lacks, and every label they need that its series never carry. */
export function checkQueries(queries: readonly DashboardQuery[], produced: Produced, parse: (query: string) => MetricUse[]): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const report = (f: Finding) => {
    const key = `${f.where}\u0000${f.problem}`;
    if (!seen.has(key)) findings.push(f), seen.add(key);
  };
  for (const { where, query } of queries) {
    let uses: MetricUse[];
    try {
      uses = parse(query);
    } catch (error) {
      if (!(error instanceof QueryParseError)) throw error;
      report({ where, query, problem: error.message });
      continue;
    }
    for (const use of uses) {
      if (use.metric === '') continue; // a selector by labels alone names no metric to look for
      const labels = produced.get(use.metric);
      if (!labels) {
        report({ where, query, metric: use.metric, problem: `metric "${use.metric}" is not produced` });
        continue;
      }
      for (const l of use.labels) {
        if (!needsLabel(l) || labels.has(l.label)) continue;
        const how = l.op === 'by' ? `groups by` : `filters on`;
        report({ where, query, metric: use.metric, label: l.label, problem: `${how} label "${l.label}", which metric "${use.metric}" never carries` });
      }
    }
  }
  return findings;
}

export const checkPromql = (queries: readonly DashboardQuery[], produced: Produced) => checkQueries(queries, produced, promqlUses);
export const checkDatadog = (queries: readonly DashboardQuery[], produced: Produced, variables: ReadonlyMap<string, string>) =>
  checkQueries(queries, produced, (q) => datadogUses(q, variables));
