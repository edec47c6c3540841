/**
 * What the `prometheus` receiver costs per scraped page: its parser (receivers/prometheus/parse.ts) on a
 * realistic prom-client page in both formats, and a whole scrape's work after the fetch (parse, OTLP
 * points, start times and stale markers, batch), beside what prom-client itself spends writing that page
 * in the same run (the baseline: the scraped app pays it on every scrape too).
 * Standalone: `node --expose-gc --import tsx bench/prometheus-receiver.ts` prints the table.
 */
import { pathToFileURL } from 'node:url';
import client from 'prom-client';
import { toBatch } from '../receivers/prometheus/batch.ts';
import { parseExposition, type ExpositionFormat } from '../receivers/prometheus/parse.ts';
import { SeriesState } from '../receivers/prometheus/series-state.ts';
import { familiesToSeries } from '../receivers/prometheus/to-otlp.ts';
import { collectGarbage, cpuMs, type Row } from './decode.ts';
import { quantile } from './gateway.ts';

const ROUTES = 200;

/** Seed 001's families over ROUTES routes, with prom-client's default process and Node.js metrics. */
function seedRegistry(format: ExpositionFormat): client.Registry<client.RegistryContentType> {
  const registry = new client.Registry<client.RegistryContentType>();
  if (format === 'openmetrics') registry.setContentType(client.Registry.OPENMETRICS_CONTENT_TYPE);
  client.collectDefaultMetrics({ register: registry });
  const base = { service: 'prompter-api', env: 'prod' };
  const requests = new client.Counter({ name: 'starlette_requests_total', help: 'Total HTTP requests', labelNames: ['service', 'env', 'method', 'route', 'status'], registers: [registry] });
  const latency = new client.Histogram({ name: 'starlette_requests_processing_seconds', help: 'Request latency', labelNames: ['service', 'env', 'method', 'route'], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [registry] });
  const attempts = new client.Counter({ name: 'prompter_probe_attempts_total', help: 'Probe attempts', labelNames: ['service', 'env', 'provider', 'model'], registers: [registry] });
  const ensure = new client.Summary({ name: 'prompter_ensure_version_seconds', help: 'Ensure version', labelNames: ['service', 'env', 'provider'], registers: [registry] });
  for (let r = 0; r < ROUTES; r++) {
    const route = `/api/v1/resource-${r}/:id`;
    for (const status of ['200', '404']) requests.inc({ ...base, method: 'GET', route, status }, r + 1);
    latency.observe({ ...base, method: 'GET', route }, (r % 50) / 100);
  }
  for (const provider of ['openai', 'anthropic', 'gcp.gemini']) {
    for (const model of ['large', 'mini', 'preview']) attempts.inc({ ...base, provider, model }, 3);
    ensure.observe({ ...base, provider }, 0.2);
  }
  return registry;
}

/** Median CPU ms of one call of `fn`, on a clean heap, after a warm-up. */
async function medianMs(fn: () => unknown, runs = 25): Promise<number> {
  for (let i = 0; i < 5; i++) await fn();
  collectGarbage();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = cpuMs();
    await fn();
    times.push(cpuMs() - t0);
  }
  return quantile(times, 0.5);
}

export async function benchPrometheusReceiver(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const format of ['text', 'openmetrics'] as const) {
    const registry = seedRegistry(format);
    const page = await registry.metrics();
    const samples = parseExposition(page, format).reduce((n, f) => n + f.samples.length, 0);
    const target = { labels: { job: 'prompter-api', instance: '10.0.0.7:8000' }, honorLabels: true, honorTimestamps: true, relabels: [] };
    const state = new SeriesState();
    let t = Date.now();
    const written = await medianMs(() => registry.metrics());
    const parsed = await medianMs(() => parseExposition(page, format));
    const whole = await medianMs(() => {
      t += 15_000;
      const converted = familiesToSeries(parseExposition(page, format), target, t);
      return toBatch(state.adjust(converted.series, t * 1e6), 'http');
    });
    const label = `${format === 'text' ? '0.0.4 text' : 'OpenMetrics'} page, ${(Buffer.byteLength(page) / 1024).toFixed(0)} KiB, ${samples.toLocaleString('en-US')} samples`;
    rows.push(
      { name: `prom-client writing the ${label} (baseline)`, value: Number(written.toFixed(2)), unit: 'ms CPU', key: `prometheus_receiver.${format}.prom_client_write_ms` },
      { name: `receiver parser on it`, value: Number(parsed.toFixed(2)), unit: 'ms CPU', note: `${(samples / parsed / 1000).toFixed(2)} M samples/s; ${(parsed / written).toFixed(2)}× prom-client writing it`, key: `prometheus_receiver.${format}.parse_ms`, ratio: parsed / written },
      { name: `whole scrape after the fetch (parse, points, start times, batch)`, value: Number(whole.toFixed(2)), unit: 'ms CPU', note: `${(whole / written).toFixed(2)}× prom-client writing it; at a 15 s interval ${((whole / 15_000) * 100).toFixed(3)}% of a core`, key: `prometheus_receiver.${format}.scrape_ms`, ratio: whole / written },
    );
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await benchPrometheusReceiver();
  console.table(rows.map((r) => ({ name: r.name, value: r.value.toLocaleString('en-US'), unit: r.unit, note: r.note ?? '' })));
}
