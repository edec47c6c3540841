import type { NameFlow } from '../component/name-flow.ts';
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
  /** Set when the gateway may produce it or not, which only its traffic decides (the reason): reported, never a failure. */
  undecidable?: string;
}

/** What is known of one metric a query reads: produced with these labels (undefined: not known), certainly absent, or undecidable. */
export type MetricVerdict = { produced: true; labels: ReadonlySet<string> | undefined } | { produced: false } | { undecidable: string };

/** Where a check looks a metric up: a live scrape or capture (`Produced`), or a config's pipelines (`NameFlow`). */
export type MetricLookup = (metric: string) => MetricVerdict;

/** A scrape or capture: what it has is produced, what it lacks is not. */
export function producedLookup(produced: Produced): MetricLookup {
  return (metric) => {
    const labels = produced.get(metric);
    return labels ? { produced: true, labels } : { produced: false };
  };
}

/** A config's pipelines: a name they make is produced; one only the traffic could bring is undecidable; any other is not produced. */
export function flowLookup(flow: NameFlow): MetricLookup {
  return (metric) => {
    if (flow.known.has(metric)) return { produced: true, labels: flow.known.get(metric) };
    const open = flow.open.find((o) => o.admits(metric));
    return open ? { undecidable: open.why } : { produced: false };
  };
}

/** Every metric the queries read that `lookup` says is not produced, and every label they need that its series never carry. */
export function checkQueries(queries: readonly DashboardQuery[], lookup: MetricLookup, parse: (query: string) => MetricUse[]): Finding[] {
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
      const verdict = lookup(use.metric);
      if ('undecidable' in verdict) {
        report({ where, query, metric: use.metric, problem: `metric "${use.metric}" is not made by the pipelines; it depends on ${verdict.undecidable}`, undecidable: verdict.undecidable });
        continue;
      }
      if (!verdict.produced) {
        report({ where, query, metric: use.metric, problem: `metric "${use.metric}" is not produced` });
        continue;
      }
      const labels = verdict.labels;
      if (!labels) continue; // the config does not tell this metric's labels
      for (const l of use.labels) {
        if (!needsLabel(l) || labels.has(l.label)) continue;
        const how = l.op === 'by' ? `groups by` : `filters on`;
        report({ where, query, metric: use.metric, label: l.label, problem: `${how} label "${l.label}", which metric "${use.metric}" never carries` });
      }
    }
  }
  return findings;
}

/** A Produced (a scrape, a capture) or a lookup already made (a config's pipelines, `flowLookup`). */
const lookupOf = (produced: Produced | MetricLookup): MetricLookup => (typeof produced === 'function' ? produced : producedLookup(produced));

export const checkPromql = (queries: readonly DashboardQuery[], produced: Produced | MetricLookup) => checkQueries(queries, lookupOf(produced), promqlUses);
export const checkDatadog = (queries: readonly DashboardQuery[], produced: Produced | MetricLookup, variables: ReadonlyMap<string, string>) =>
  checkQueries(queries, lookupOf(produced), (q) => datadogUses(q, variables));
