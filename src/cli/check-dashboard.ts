import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { checkDatadog, checkPromql, type Finding } from '../dashboards/check.ts';
import { datadogQueries, datadogVariables, isDatadogDashboard } from '../dashboards/datadog-dashboard.ts';
import { grafanaQueries, isGrafanaDashboard } from '../dashboards/grafana.ts';
import { producedByDatadogCapture, producedByScrape, type Produced } from '../dashboards/produced.ts';

export const CHECK_DASHBOARD_USAGE = `Usage: switchyard check-dashboard FILE… [--scrape URL] [--datadog-capture FILE]

Lists every metric a dashboard queries that the gateway does not produce, and every label a query
filters or groups on that the metric's series never carry; exits 1 if there is any, 0 if none.
  Grafana JSON   checked against --scrape URL: the gateway's Prometheus endpoint (e.g. http://127.0.0.1:8889/metrics)
  DataDog JSON   checked against --datadog-capture FILE: the JSON bodies the gateway sent to DataDog
                 (v2 series and decoded sketches bodies, one per line)
`;

interface Output {
  write(text: string): unknown;
}

async function fetchScrape(url: string): Promise<Produced> {
  const res = await fetch(url, { headers: { accept: 'text/plain;version=0.0.4' } });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return producedByScrape(await res.text());
}

/** `switchyard check-dashboard`: returns the exit code (0 all produced, 1 findings, 2 usage or input error). */
export async function checkDashboard(argv: string[], out: Output = process.stdout, err: Output = process.stderr): Promise<number> {
  let files: string[];
  let scrape: string | undefined;
  let capture: string | undefined;
  try {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { scrape: { type: 'string' }, 'datadog-capture': { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
    if (values.help) return out.write(CHECK_DASHBOARD_USAGE), 0;
    files = positionals;
    scrape = values.scrape;
    capture = values['datadog-capture'];
    if (files.length === 0) throw new Error('no dashboard file given');
  } catch (error) {
    err.write(`${(error as Error).message}\n\n${CHECK_DASHBOARD_USAGE}`);
    return 2;
  }

  let prometheus: Produced | undefined;
  let datadog: Produced | undefined;
  let findings = 0;
  for (const file of files) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      err.write(`${file}: ${(error as Error).message}\n`);
      return 2;
    }
    let found: Finding[];
    let queries: number;
    try {
      if (isGrafanaDashboard(json)) {
        if (!scrape) throw new Error('a Grafana dashboard: give --scrape URL, the gateway’s Prometheus endpoint');
        prometheus ??= await fetchScrape(scrape);
        const qs = grafanaQueries(json);
        queries = qs.length;
        found = checkPromql(qs, prometheus);
      } else if (isDatadogDashboard(json)) {
        if (!capture) throw new Error('a DataDog dashboard: give --datadog-capture FILE, what the gateway sent to DataDog');
        datadog ??= producedByDatadogCapture(readFileSync(capture, 'utf8'));
        const qs = datadogQueries(json);
        queries = qs.length;
        found = checkDatadog(qs, datadog, datadogVariables(json));
      } else {
        throw new Error('neither a Grafana dashboard (panels) nor a DataDog one (widgets)');
      }
    } catch (error) {
      err.write(`${file}: ${(error as Error).message}\n`);
      return 2;
    }
    for (const f of found) out.write(`${file}: ${f.where}: ${f.problem}\n    ${f.query}\n`);
    if (found.length === 0) out.write(`${file}: all ${queries} queries read only what the gateway produces\n`);
    findings += found.length;
  }
  if (findings > 0) out.write(`${findings} problem(s)\n`);
  return findings > 0 ? 1 : 0;
}
