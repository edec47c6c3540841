import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoApp, type DemoApp } from '../helpers/demo-app.ts';
import { FREE_PORTS_ENV } from '../helpers/free-ports-env.ts';
import { startGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { eventually } from '../helpers/prometheus-server.ts';
import { find, parseExposition, promtoolCheckMetrics, type Sample } from '../helpers/prom-text.ts';
import { sdkService } from '../helpers/sdk-service.ts';
import { SEED_LABELS } from '../helpers/seed-labels.ts';

/** The HTTP series, which every scenario has (the domain ones need the app's metrics). */
const HTTP_SERIES = ['starlette_requests_total', 'starlette_requests_processing_seconds_bucket', 'starlette_requests_processing_seconds_count'];

/** Names the pipeline renames: none may reach the scrape. */
const RAW = [/^http_server_/, /^traces_span_metrics_/, /^prompter_prompt_results_inserts/, /^prompter_db_unique_violations/, /^prompter_rate_limit_hits/, /^prompter_ensure_version_duration/, /^celery_task_runtime_seconds_total/];

/** The test hook's own request: recorded after the flush it triggers, so it arrives later or never. */
const FLUSH_ROUTE = '/demo/flush';

/** Bucket bounds (s) of the stable convention (instrumentation-http's advice), and of the old one (ms, the SDK default then). */
const STABLE_BOUNDS_S = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const OLD_BOUNDS_MS = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

let gateway: GatewayProcess;
beforeAll(async () => {
  // Span-derived series wait 10 s (not the shipped 90 s) for a service's metrics. Not 0 s: the demo exports
  // its spans before its metrics, so a span flush could then stamp a request series later than the
  // metrics' first point, which a cumulative series drops as out of order.
  gateway = await startGateway('config/gateway.yaml', { ...FREE_PORTS_ENV, SWITCHYARD_LOG_PATH: 'stderr', SWITCHYARD_SPANMETRICS_FLUSH_INTERVAL: '500ms', SWITCHYARD_SPAN_FALLBACK_DELAY: '10s', PROMETHEUS_REMOTE_WRITE_URL: '' });
});
afterAll(() => gateway?.stop());

async function scrape(): Promise<{ text: string; samples: Sample[] }> {
  const text = await (await fetch(`http://${gateway.endpoints.prometheus}/metrics`)).text();
  return { text, samples: parseExposition(text) };
}

/** Real traffic: 2xx, 4xx and 5xx on templated routes, plus every domain instrument of §5. */
async function traffic(app: DemoApp): Promise<{ requests: Record<string, number> }> {
  const requests: Record<string, number> = {};
  const hit = async (method: string, path: string, route: string, body?: unknown) => {
    const status = await app.request(method, path, body);
    const key = `${method} ${route} ${status}`;
    requests[key] = (requests[key] ?? 0) + 1;
  };
  for (let i = 0; i < 4; i++) await hit('GET', `/v1/prompts/${i}`, '/v1/prompts/:promptId');
  for (let i = 0; i < 2; i++) await hit('GET', '/v1/prompts/404', '/v1/prompts/:promptId');
  await hit('GET', '/v1/boom', '/v1/boom');
  await hit('POST', '/v1/probes/openai', '/v1/probes/:provider', { model: 'gpt-4o' });
  await hit('POST', '/v1/probes/openai', '/v1/probes/:provider', { model: 'gpt-4o', fail: true, seconds: 3.2 });
  await hit('POST', '/v1/results', '/v1/results', { fingerprint: true });
  await hit('POST', '/v1/results', '/v1/results', { duplicate: true });
  await hit('POST', '/v1/tasks/prompter', '/v1/tasks/:queue', { seconds: 0.2, retries: 2 });
  await hit('GET', '/v1/limited', '/v1/limited');
  await hit('GET', '/v1/no/such/path', '__unknown__'); // no route matched: 404, and no raw path as a label value
  await app.flush();
  return { requests };
}

/** Every `names` series of `service` is there, each with exactly the seed's label set. */
function checkSeedSeries(samples: Sample[], service: string, names = Object.keys(SEED_LABELS)): void {
  for (const name of names) {
    const mine = find(samples, name, { service });
    expect(mine.length, `${name} for ${service}`).toBeGreaterThan(0);
    for (const s of mine) {
      const labels = Object.keys(s.labels).filter((l) => l !== 'job' && l !== 'instance').sort();
      expect(labels, name).toEqual([...SEED_LABELS[name]!].sort());
      expect(s.labels.env).toBe('e2e');
    }
  }
}

/** The request series of `service`, but the test hook's own. */
const served = (samples: Sample[], name: string, service: string) => find(samples, name, { service }).filter((s) => s.labels.route !== FLUSH_ROUTE);

/** Sums sample values by a key made of some of their labels. */
function sumBy(samples: Sample[], key: (s: Sample) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) out[key(s)] = (out[key(s)] ?? 0) + s.value;
  return out;
}

/** starlette_requests_total per method, route and status, and the latency histogram's count per method and route, equal the requests sent. */
function checkRequestCounts(samples: Sample[], service: string, requests: Record<string, number>): void {
  expect(sumBy(served(samples, 'starlette_requests_total', service), (s) => `${s.labels.method} ${s.labels.route} ${s.labels.status}`)).toEqual(requests);
  const byRoute: Record<string, number> = {};
  for (const [key, n] of Object.entries(requests)) {
    const [method, route] = key.split(' ');
    byRoute[`${method} ${route}`] = (byRoute[`${method} ${route}`] ?? 0) + n;
  }
  expect(sumBy(served(samples, 'starlette_requests_processing_seconds_count', service), (s) => `${s.labels.method} ${s.labels.route}`)).toEqual(byRoute);
}

/** The `le` bounds of one latency series of `service`, as numbers, +Inf last. */
function latencyBounds(samples: Sample[], service: string): number[] {
  const one = served(samples, 'starlette_requests_processing_seconds_bucket', service).filter((s) => s.labels.method === 'GET' && s.labels.route === '/v1/boom');
  return one.map((s) => Number(s.labels.le === '+Inf' ? Infinity : s.labels.le)).sort((a, b) => a - b);
}

/**
 * Runs the demo app as `service` with `env`, sends the traffic, waits until the scrape has every request
 * (and, with metrics, the domain series), checks the request counts, then runs `more` while the app
 * still runs, before its shutdown export.
 */
async function runScenario(service: string, env: NodeJS.ProcessEnv, options: { withMetrics?: boolean; more?: (samples: Sample[]) => Promise<void> } = {}): Promise<Sample[]> {
  const withMetrics = options.withMetrics ?? true;
  const app = await startDemoApp(gateway.endpoints['otlp.http']!, { OTEL_SERVICE_NAME: service, OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=e2e', OTEL_SEMCONV_STABILITY_OPT_IN: '', ...env });
  try {
    const { requests } = await traffic(app);
    const total = Object.values(requests).reduce((a, b) => a + b, 0);
    // Wait on the data, not on time: until the counter has reached the requests sent (the flush hook's
    // own request, which may arrive later, left out); then every count must be exact.
    const samples = await eventually(async () => {
      const { samples } = await scrape();
      const seen = served(samples, 'starlette_requests_total', service).reduce((n, s) => n + s.value, 0);
      const domain = !withMetrics || find(samples, 'prompter_rate_limit_hit_total', { service }).length > 0;
      return seen >= total && domain ? samples : undefined;
    }, 30_000, `${total} requests of ${service} on the scrape`);
    checkRequestCounts(samples, service, requests);
    await options.more?.(samples);
    return samples;
  } finally {
    await app.stop();
  }
}

/** A counter of the gateway's own metrics (admin /metrics), summed over the series matching `labels`. */
async function selfMetric(name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`http://${gateway.endpoints.admin}/metrics`)).text();
  return find(parseExposition(text), name, labels).reduce((n, s) => n + s.value, 0);
}

describe('the Prompter Prometheus pipeline, fed by a real instrumented app', () => {
  it('serves every seed series with the seed label sets and exact counts (new HTTP conventions, seconds)', async () => {
    const samples = await runScenario('prompter-new', { OTEL_SEMCONV_STABILITY_OPT_IN: 'http' });
    checkSeedSeries(samples, 'prompter-new');
    expect(latencyBounds(samples, 'prompter-new')).toEqual([...STABLE_BOUNDS_S, Infinity]);
    expect(find(samples, 'prompter_probe_failures_total', { service: 'prompter-new', provider: 'openai', model: 'gpt-4o' })[0]!.value).toBe(1);
    expect(find(samples, 'prompter_redis_up', { service: 'prompter-new' })[0]!.value).toBe(1);
    // "Ensure-version p95 > 3s" can be told: the 3.2 s probe is above le="3" and within le="4".
    const ensure = (le: string) => find(samples, 'prompter_ensure_version_seconds_bucket', { service: 'prompter-new', provider: 'openai', le }).map((s) => s.value);
    expect([ensure('3'), ensure('4')]).toEqual([[1], [2]]);
    // The derived ratios: 1 of 2 probes failed; 2 of 14 requests were 5xx (the 500 and the 502);
    // 1 of 1 insert had a fingerprint; 4 of 6 prompt lookups hit the cache (even ids: 0, 2 and twice 404).
    const ratio = (name: string, labels: Record<string, string> = {}) => find(samples, name, { service: 'prompter-new', env: 'e2e', ...labels }).map((s) => s.value);
    expect(ratio('prompter_probe_failure_ratio', { provider: 'openai', model: 'gpt-4o' })).toEqual([0.5]);
    expect(ratio('starlette_requests_error_ratio')[0]).toBeCloseTo(2 / 14, 10);
    expect(ratio('prompter_openai_fingerprint_ratio')).toEqual([1]);
    expect(ratio('prompter_version_cache_hit_ratio')[0]).toBeCloseTo(4 / 6, 10);
  }, 60_000);

  it('does the same from the old HTTP conventions (http.server.duration in ms, http.method/status_code), in seconds', async () => {
    const samples = await runScenario('prompter-old', {});
    checkSeedSeries(samples, 'prompter-old');
    // The old buckets, scaled from milliseconds to seconds.
    expect(latencyBounds(samples, 'prompter-old')).toEqual([...OLD_BOUNDS_MS.map((b) => b / 1000), Infinity]);
  }, 60_000);

  it('counts each request once for a service sending both conventions (OTEL_SEMCONV_STABILITY_OPT_IN=http/dup): the stable one wins', async () => {
    const superseded = () => selfMetric('switchyard_processor_dropped_points_total', { component: 'prefer/http-convention', reason: 'fallback_superseded' });
    const before = await superseded();
    const samples = await runScenario('prompter-dup', { OTEL_SEMCONV_STABILITY_OPT_IN: 'http/dup' }, {
      // The old histogram's points of the one export (one per method, route and status) were dropped, and counted.
      more: async (scraped) => expect((await superseded()) - before).toBe(find(scraped, 'starlette_requests_total', { service: 'prompter-dup' }).length),
    });
    checkSeedSeries(samples, 'prompter-dup');
    expect(latencyBounds(samples, 'prompter-dup')).toEqual([...STABLE_BOUNDS_S, Infinity]);
  }, 60_000);

  it('derives the request series from server spans alone when the app sends no metrics', async () => {
    const samples = await runScenario('prompter-spans', { DEMO_METRICS: 'off' }, { withMetrics: false });
    checkSeedSeries(samples, 'prompter-spans', HTTP_SERIES);
    expect(latencyBounds(samples, 'prompter-spans')).toEqual([...STABLE_BOUNDS_S, Infinity]);
    expect(find(samples, 'prompter_probe_attempts_total', { service: 'prompter-spans' })).toEqual([]);
  }, 60_000);

  it('leaks no raw OpenTelemetry name that the pipeline renames, and passes promtool check metrics, whatever units a service sends', async () => {
    // A service's metrics the pipeline does not rename, in scaled units (Node's HTTP client instrumentation sends milliseconds).
    const other = sdkService(gateway.endpoints['otlp.http']!, 'outbound');
    other.meter.createHistogram('http.client.duration', { unit: 'ms' }).record(250, { 'http.request.method': 'GET' });
    other.meter.createObservableGauge('cache.size', { unit: 'KiBy' }).addCallback((r) => r.observe(4));
    await other.flush();
    await other.shutdown();
    const { text, samples } = await eventually(async () => {
      const got = await scrape();
      return find(got.samples, 'http_client_duration_seconds_count', { service: 'outbound' }).length > 0 ? got : undefined;
    }, 10_000, 'the outbound service in seconds');
    expect(find(samples, 'cache_size_bytes', { job: 'outbound' }).map((s) => s.value)).toEqual([4096]);
    const names = new Set(samples.map((s) => s.name));
    for (const raw of RAW) expect([...names].filter((n) => raw.test(n)), String(raw)).toEqual([]);
    // The host pipeline's node_memory_* names are node-exporter's own camelCase, which promtool lints.
    const check = promtoolCheckMetrics(text);
    expect(check.problems).toEqual([]);
    expect([0, 3]).toContain(check.status);
  });
});
