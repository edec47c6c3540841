import type { DashboardQuery } from './uses.ts';

interface Widget {
  definition?: { title?: string; type?: string; widgets?: Widget[]; requests?: unknown };
}
export interface DatadogDashboard {
  widgets: Widget[];
  template_variables?: { name?: string; prefix?: string | null }[];
}

export function isDatadogDashboard(json: unknown): json is DatadogDashboard {
  return typeof json === 'object' && json !== null && Array.isArray((json as { widgets?: unknown }).widgets);
}

interface Request {
  q?: unknown;
  queries?: { data_source?: unknown; query?: unknown }[];
}

/** Template variables by name with their tag prefix: `$env` filters on `env`. */
export function datadogVariables(dashboard: DatadogDashboard): Map<string, string> {
  return new Map((dashboard.template_variables ?? []).filter((v) => v.name && v.prefix).map((v) => [v.name!, v.prefix!]));
}

/**
 * The metric queries of every widget (groups included): the classic `q` strings and the `metrics`
 * queries of formula requests. A widget's `requests` is a list, or an object of lists (scatter plots).
 */
export function datadogQueries(dashboard: DatadogDashboard): DashboardQuery[] {
  const out: DashboardQuery[] = [];
  const visit = (widgets: Widget[] | undefined) => {
    for (const w of widgets ?? []) {
      const d = w.definition ?? {};
      const where = `widget "${d.title ?? d.type ?? '?'}"`;
      const raw = d.requests;
      const requests: Request[] = Array.isArray(raw) ? raw : raw && typeof raw === 'object' ? Object.values(raw as Record<string, Request>) : [];
      for (const r of requests) {
        if (typeof r.q === 'string') out.push({ where, query: r.q });
        for (const q of r.queries ?? []) if ((q.data_source ?? 'metrics') === 'metrics' && typeof q.query === 'string') out.push({ where, query: q.query });
      }
      visit(d.widgets);
    }
  };
  visit(dashboard.widgets);
  return out;
}
