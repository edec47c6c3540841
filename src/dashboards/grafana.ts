import type { DashboardQuery } from './uses.ts';

interface Target {
  expr?: unknown;
  datasource?: unknown;
  hide?: unknown;
}
interface Panel {
  title?: string;
  type?: string;
  datasource?: unknown;
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  name?: string;
  type?: string;
  datasource?: unknown;
  query?: unknown;
}
export interface GrafanaDashboard {
  panels?: Panel[];
  rows?: { panels?: Panel[] }[];
  templating?: { list?: Variable[] };
}

export function isGrafanaDashboard(json: unknown): json is GrafanaDashboard {
  return typeof json === 'object' && json !== null && ('panels' in json || 'rows' in json) && !('widgets' in json);
}

/** A datasource reference that names a type other than Prometheus (an unknown or default one is taken as Prometheus). */
function otherDatasource(ds: unknown): boolean {
  const type = typeof ds === 'object' && ds !== null ? (ds as { type?: unknown }).type : undefined;
  return typeof type === 'string' && type !== 'prometheus' && type !== 'datasource';
}

// Grafana's own interval macros, and the values they stand for while checking (any valid duration will do).
const MACROS: Record<string, string> = { __rate_interval: '5m', __interval: '1m', __range: '1h', __interval_ms: '60000', __range_s: '3600', __range_ms: '3600000' };

/**
 * Replaces Grafana's interval macros (`$__rate_interval`, `${__interval}`, `[[__range]]`) by durations,
 * so that `rate(x[$__rate_interval])` is PromQL. Other variables stay: inside label values they are
 * plain text.
 */
export function expandMacros(expr: string): string {
  return expr.replace(/\$(\w+)|\[\[(\w+)\]\]|\$\{(\w+)\}/g, (whole, a?: string, b?: string, c?: string) => MACROS[(a ?? b ?? c)!] ?? whole);
}

/**
 * The PromQL of every panel target (rows and nested panels included) and of every query variable,
 * with where it sits. A `label_values(SELECTOR, label)` variable becomes `group by (label) (SELECTOR)`,
 * which reads the same metric and label.
 */
export function grafanaQueries(dashboard: GrafanaDashboard): DashboardQuery[] {
  const out: DashboardQuery[] = [];
  const visit = (panels: Panel[] | undefined) => {
    for (const p of panels ?? []) {
      for (const t of p.targets ?? []) {
        if (typeof t.expr !== 'string' || t.expr.trim() === '' || otherDatasource(t.datasource ?? p.datasource)) continue;
        out.push({ where: `panel "${p.title ?? p.type ?? '?'}"`, query: expandMacros(t.expr) });
      }
      visit(p.panels);
    }
  };
  visit(dashboard.panels);
  for (const row of dashboard.rows ?? []) visit(row.panels);
  for (const v of dashboard.templating?.list ?? []) {
    if (v.type !== 'query' || otherDatasource(v.datasource)) continue;
    const query = typeof v.query === 'string' ? v.query : (v.query as { query?: unknown } | undefined)?.query;
    if (typeof query !== 'string') continue;
    const promql = variableQuery(query.trim());
    if (promql) out.push({ where: `variable "${v.name ?? '?'}"`, query: expandMacros(promql) });
  }
  return out;
}

/** Grafana's Prometheus variable functions, as PromQL reading the same metrics and labels. */
function variableQuery(query: string): string | undefined {
  const call = (name: string) => (query.startsWith(`${name}(`) && query.endsWith(')') ? query.slice(name.length + 1, -1) : undefined);
  const labelValues = call('label_values');
  if (labelValues !== undefined) {
    const comma = lastTopLevelComma(labelValues);
    if (comma < 0) return undefined; // label_values(label): any metric will do
    return `group by (${labelValues.slice(comma + 1).trim()}) (${labelValues.slice(0, comma)})`;
  }
  return call('query_result');
}

/** The last comma outside braces, brackets, parentheses and quotes: where a selector ends. */
function lastTopLevelComma(text: string): number {
  let depth = 0;
  let quote = '';
  let last = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if ('{[('.includes(c)) depth++;
    else if ('}])'.includes(c)) depth--;
    else if (c === ',' && depth === 0) last = i;
  }
  return last;
}
