import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { builtinRegistry } from '../components.ts';
import { ConfigError, formatIssue } from '../config/errors.ts';
import { loadConfig } from '../config/load.ts';
import { checkConfig } from '../config/resolve.ts';
import { checkDatadog, checkPromql, flowLookup, type Finding, type MetricLookup } from '../dashboards/check.ts';
import { exportedNames } from '../dashboards/pipeline-names.ts';
import { datadogQueries, datadogVariables, isDatadogDashboard } from '../dashboards/datadog-dashboard.ts';
import { grafanaQueries, isGrafanaDashboard } from '../dashboards/grafana.ts';
import { producedByDatadogCapture, producedByScrape, type Produced } from '../dashboards/produced.ts';

export const CHECK_DASHBOARD_USAGE = `Usage: switchyard check-dashboard FILE… [--scrape URL] [--datadog-capture FILE] [--pipeline CONFIG]

Lists every metric a dashboard queries that the gateway does not produce, and every label a query
filters or groups on that the metric's series never carry; exits 1 if there is any, 0 if none.
  Grafana JSON   checked against --scrape URL: the gateway's Prometheus endpoint (e.g. http://127.0.0.1:8889/metrics)
                 or, without --scrape, against --pipeline CONFIG, with no traffic: the names the config's
                 pipelines to a prometheus or prometheusremotewrite exporter make, as Prometheus names
  DataDog JSON   checked against --datadog-capture FILE: the JSON bodies the gateway sent to DataDog
                 (v2 series and decoded sketches bodies, one per line)
                 or against --pipeline CONFIG (e.g. config/gateway.yaml), with no traffic: the names the
                 config's pipelines to a datadog exporter make (rename, ratio, filter, …)
  With --pipeline, a name only a service could bring, unchanged, or one a metric's type or unit decides
  (a histogram's _bucket), is reported as undecidable, and does not fail the check.
`;

/** The exporters each kind of dashboard reads from, for --pipeline. */
const PROMETHEUS_EXPORTERS = ['prometheus', 'prometheusremotewrite'];
const DATADOG_EXPORTERS = ['datadog'];

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
  let pipeline: string | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { scrape: { type: 'string' }, 'datadog-capture': { type: 'string' }, pipeline: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help) return out.write(CHECK_DASHBOARD_USAGE), 0;
    files = positionals;
    scrape = values.scrape;
    capture = values['datadog-capture'];
    pipeline = values.pipeline;
    if (files.length === 0) throw new Error('no dashboard file given');
    if (capture && pipeline) throw new Error('give --datadog-capture FILE or --pipeline CONFIG, not both');
  } catch (error) {
    err.write(`${(error as Error).message}\n\n${CHECK_DASHBOARD_USAGE}`);
    return 2;
  }

  let prometheus: Produced | MetricLookup | undefined;
  let datadog: Produced | MetricLookup | undefined;
  let findings = 0;
  let undecidable = 0;
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
        if (!scrape && !pipeline) throw new Error('a Grafana dashboard: give --scrape URL, the gateway’s Prometheus endpoint, or --pipeline CONFIG');
        prometheus ??= scrape ? await fetchScrape(scrape) : pipelineNames(pipeline!, PROMETHEUS_EXPORTERS);
        const qs = grafanaQueries(json);
        queries = qs.length;
        found = checkPromql(qs, prometheus);
      } else if (isDatadogDashboard(json)) {
        if (!capture && !pipeline) throw new Error('a DataDog dashboard: give --datadog-capture FILE, what the gateway sent to DataDog, or --pipeline CONFIG');
        datadog ??= capture ? producedByDatadogCapture(readFileSync(capture, 'utf8')) : pipelineNames(pipeline!, DATADOG_EXPORTERS);
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
    for (const f of found) out.write(`${file}: ${f.where}: ${f.undecidable ? 'undecidable: ' : ''}${f.problem}\n    ${f.query}\n`);
    const failed = found.filter((f) => !f.undecidable).length;
    if (found.length === 0) out.write(`${file}: all ${queries} queries read only what the gateway produces\n`);
    else if (failed === 0) out.write(`${file}: no query reads what the gateway cannot produce; ${found.length} undecidable without traffic\n`);
    findings += failed;
    undecidable += found.length - failed;
  }
  if (findings > 0 || undecidable > 0) out.write(`${findings} problem(s)${undecidable > 0 ? `, ${undecidable} undecidable` : ''}\n`);
  return findings > 0 ? 1 : 0;
}

/** The names a config's pipelines send to exporters of `types`; throws with every config error, at its file and line. */
function pipelineNames(file: string, types: readonly string[]): MetricLookup {
  let result: ReturnType<typeof checkConfig>;
  try {
    result = checkConfig(loadConfig(file, process.env), builtinRegistry());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    result = { config: undefined, issues: [...error.issues] };
  }
  const { config, issues } = result;
  if (!config || issues.length > 0) throw new Error(`${file} is not a valid config:\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`);
  const { flow, pipelines } = exportedNames(config, types);
  if (pipelines.length === 0) throw new Error(`${file}: no metrics pipeline exports to a ${types.join(' or ')} exporter`);
  return flowLookup(flow);
}
