import { spawnSync } from 'node:child_process';
import { get } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prometheusExporterFactory } from '../../../exporters/prometheus/factory.ts';
import type { Exporter } from '../../../src/component/component.ts';
import type { Metric, MetricsBatch } from '../../../src/model/metrics.ts';
import { parseExposition, valueOf } from '../../helpers/prom-text.ts';
import { eventually, startPrometheus, type PrometheusServer } from '../../helpers/prometheus-server.ts';
import { silentSettings, trackedSettings } from '../../helpers/silent-settings.ts';
import { makeTestCa } from '../../helpers/test-ca.ts';
import { tempFiles } from '../../helpers/temp-files.ts';

let lastNs = 0;
/** Unix ns, strictly increasing as an SDK's collection times are (two delta points never share one); 1 ms steps, as a double holds ns only to 256. */
const now = () => (lastNs = Math.max(Date.now() * 1e6, lastNs + 1e6));

/** A mixed state: counters, up-down counters, gauges, classic and exponential histograms, summaries, odd names, attributes named le and quantile. */
function mixed(): MetricsBatch {
  const t = now();
  const p = (attributes: Record<string, string>, value: number) => ({ attributes, startTimeUnixNano: t - 1e9, timeUnixNano: t, flags: 0, value });
  const metrics: Metric[] = [
    { name: 'prompter.probe.attempts', description: 'Provider probe attempts.', unit: '{attempt}', type: 'sum', temporality: 'cumulative', monotonic: true, points: [p({ provider: 'openai', model: 'gpt-4o' }, 12)] },
    { name: 'queue.depth', description: 'Jobs "waiting"\nin line.', unit: '', type: 'sum', temporality: 'cumulative', monotonic: false, points: [p({ queue: 'a\\b' }, -3)] },
    { name: 'memory', description: 'Memory.', unit: 'By', type: 'gauge', points: [p({ 'weird label!': 'x' }, 2048)] },
    { name: 'cache.hit', description: 'Hit ratio.', unit: '1', type: 'gauge', points: [p({}, 0.25)] },
    { name: 'http.server.request.duration', description: 'Request duration.', unit: 's', type: 'histogram', temporality: 'cumulative', points: [{ attributes: { 'http.route': '/v1/prompts/{id}' }, startTimeUnixNano: t - 1e9, timeUnixNano: t, flags: 0, count: 4, sum: 1.2, bucketCounts: [1, 2, 1], explicitBounds: [0.1, 0.5] }] },
    { name: 'rpc.latency', description: 'RPC latency.', unit: 's', type: 'exponential_histogram', temporality: 'delta', points: [{ attributes: { le: 'attribute' }, startTimeUnixNano: t - 1e9, timeUnixNano: t, flags: 0, count: 5, sum: 40, scale: 0, zeroCount: 1, zeroThreshold: 0, positive: { offset: 2, bucketCounts: [1, 3] }, negative: { offset: 0, bucketCounts: [] } }] },
    { name: 'gc.pause', description: 'GC pauses.', unit: 's', type: 'summary', points: [{ attributes: { quantile: 'attribute' }, startTimeUnixNano: t - 1e9, timeUnixNano: t, flags: 0, count: 3, sum: 0.3, quantileValues: [{ quantile: 0.5, value: 0.1 }, { quantile: 0.99, value: 0.15 }] }] },
  ];
  return { resourceMetrics: [{ resource: { attributes: { 'service.name': 'prompter-api', 'service.namespace': 'prompter', 'service.instance.id': 'pod-1', 'deployment.environment.name': 'test' } }, schemaUrl: '', scopeMetrics: [{ scope: { name: 'prompter', version: '7.0.0', attributes: {} }, schemaUrl: '', metrics }] }] };
}

/** A started exporter with `config`, and the URL of its /metrics. */
async function startExporter(config: Record<string, unknown> = {}): Promise<{ exporter: Exporter; url: string }> {
  const settings = silentSettings('prometheus');
  const exporter = prometheusExporterFactory.create(settings, prometheusExporterFactory.configSchema.parse({ endpoint: '127.0.0.1:0', ...config }));
  await exporter.start();
  return { exporter, url: `http://${settings.details.endpoint as string}/metrics` };
}

function batchOf(metrics: Metric[]): MetricsBatch {
  return { resourceMetrics: [{ resource: { attributes: { 'service.name': 'api' } }, schemaUrl: '', scopeMetrics: [{ scope: { name: '', version: '', attributes: {} }, schemaUrl: '', metrics }] }] };
}

const sum = (name: string, value: number, monotonic: boolean, temporality: 'delta' | 'cumulative' = 'delta'): Metric => ({ name, description: '', unit: '', type: 'sum', temporality, monotonic, points: [{ attributes: {}, startTimeUnixNano: now() - 1e9, timeUnixNano: now(), flags: 0, value }] });

/** GET with headers; the raw body and its Content-Encoding. */
function getRaw(target: string, headers: Record<string, string>): Promise<{ encoding: string | undefined; raw: Buffer }> {
  return new Promise((resolve, reject) =>
    get(target, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ encoding: res.headers['content-encoding'], raw: Buffer.concat(chunks) }));
    }).on('error', reject),
  );
}

let exporter: Exporter;
let url = '';
/** A second exporter with add_metric_suffixes off, scraped by the same real Prometheus. */
let bare: { exporter: Exporter; url: string };

beforeAll(async () => {
  ({ exporter, url } = await startExporter());
  await exporter.consumeMetrics!(mixed());
  bare = await startExporter({ add_metric_suffixes: false });
  await bare.exporter.consumeMetrics!(batchOf([sum('bare.events', 4, true, 'cumulative')]));
});
afterAll(async () => {
  await exporter.shutdown();
  await bare.exporter.shutdown();
});

describe('prometheus exporter', () => {
  it('reports each scrape it serves as its last success (a pull exporter delivers when scraped), none before', async () => {
    const settings = trackedSettings('prometheus', 'exporter');
    const scraped = prometheusExporterFactory.create(settings, prometheusExporterFactory.configSchema.parse({ endpoint: '127.0.0.1:0' }));
    await scraped.start();
    try {
      await scraped.consumeMetrics!(batchOf([sum('events', 1, true, 'cumulative')]));
      expect(settings.status().lastOk).toBeNull();
      const before = Date.now();
      const res = await fetch(`http://${settings.details.endpoint as string}/metrics`);
      expect(res.status).toBe(200);
      expect(Date.parse(settings.status().lastOk!)).toBeGreaterThanOrEqual(before - 1000);
    } finally {
      await scraped.shutdown();
    }
  });

  it('serves text format 0.0.4 that promtool check metrics accepts with no warning', async () => {
    const res = await fetch(url);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(`${check.stdout}${check.stderr}`).toBe('');
    expect(check.status).toBe(0);
    const samples = parseExposition(text);
    const id = { job: 'prompter/prompter-api', instance: 'pod-1', otel_scope_name: 'prompter', otel_scope_version: '7.0.0' };
    expect(valueOf(samples, 'prompter_probe_attempts_total', { ...id, provider: 'openai', model: 'gpt-4o' })).toBe(12);
    expect(valueOf(samples, 'queue_depth', { ...id, queue: 'a\\b' })).toBe(-3);
    expect(valueOf(samples, 'memory_bytes', { ...id, weird_label_: 'x' })).toBe(2048);
    expect(valueOf(samples, 'cache_hit_ratio', id)).toBe(0.25);
    expect(valueOf(samples, 'http_server_request_duration_seconds_bucket', { ...id, http_route: '/v1/prompts/{id}', le: '0.5' })).toBe(3);
    expect(valueOf(samples, 'rpc_latency_seconds_count', id)).toBe(5);
    expect(valueOf(samples, 'gc_pause_seconds', { ...id, quantile: '0.99' })).toBe(0.15);
    expect(valueOf(samples, 'target_info', { job: 'prompter/prompter-api', instance: 'pod-1', deployment_environment_name: 'test' })).toBe(1);
  });

  it('serves OpenMetrics to a scraper that asks for it: counter families without _total, # EOF at the end', async () => {
    const res = await fetch(url, { headers: { accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' } });
    expect(res.headers.get('content-type')).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    const text = await res.text();
    expect(text).toContain('# TYPE prompter_probe_attempts counter\n');
    expect(text).toContain('prompter_probe_attempts_total{');
    expect(text.endsWith('# EOF\n')).toBe(true);
  });

  it('gzips when asked', async () => {
    const { encoding, raw } = await getRaw(url, { 'accept-encoding': 'deflate, gzip;q=0.8' });
    expect(encoding).toBe('gzip');
    expect(gunzipSync(raw).toString()).toContain('prompter_probe_attempts_total');
  });

  it.each(['gzip;q=0', 'identity', 'br, gzip; q=0.0', 'xgzip'])('does not gzip for Accept-Encoding: %s', async (acceptEncoding) => {
    const { encoding, raw } = await getRaw(url, { 'accept-encoding': acceptEncoding });
    expect(encoding).toBeUndefined();
    expect(raw.toString()).toContain('prompter_probe_attempts_total');
  });

  it('keeps _total on OpenMetrics counter samples even with add_metric_suffixes off (OpenMetrics requires it), not in text 0.0.4', async () => {
    const om = await (await fetch(bare.url, { headers: { accept: 'application/openmetrics-text;version=1.0.0' } })).text();
    expect(om).toContain('# TYPE bare_events counter\nbare_events_total{job="api"} 4\n');
    const text = await (await fetch(bare.url)).text();
    expect(text).toContain('# TYPE bare_events counter\nbare_events{job="api"} 4\n');
  });

  it('keeps OpenTelemetry units in names by default (milliseconds, as the Collector), and with base_units converts them to seconds and bytes, values scaled, promtool clean', async () => {
    const t = now();
    const metrics = (): Metric[] => [
      { name: 'http.client.duration', description: 'Outbound calls.', unit: 'ms', type: 'histogram', temporality: 'cumulative', points: [{ attributes: {}, startTimeUnixNano: t - 1e9, timeUnixNano: t, flags: 0, count: 3, sum: 900, bucketCounts: [1, 1, 1], explicitBounds: [100, 500] }] },
      { name: 'cache.size', description: 'Cache size.', unit: 'KiBy', type: 'gauge', points: [{ attributes: {}, startTimeUnixNano: t - 1e9, timeUnixNano: t, flags: 0, value: 2 }] },
      { name: 'cpu.time', description: 'CPU time.', unit: 'us', type: 'sum', temporality: 'cumulative', monotonic: true, points: [{ attributes: {}, startTimeUnixNano: t - 1e9, timeUnixNano: t, flags: 0, value: 2_500_000 }] },
    ];
    const lint = (text: string) => spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    const collector = await startExporter();
    const based = await startExporter({ base_units: true });
    try {
      await collector.exporter.consumeMetrics!(batchOf(metrics()));
      await based.exporter.consumeMetrics!(batchOf(metrics()));
      const plain = await (await fetch(collector.url)).text();
      expect(plain).toContain('http_client_duration_milliseconds_bucket{');
      expect(lint(plain).status).toBe(3); // promtool: use base unit "seconds" instead of "milliseconds"
      const text = await (await fetch(based.url)).text();
      expect(`${lint(text).stdout}${lint(text).stderr}`).toBe('');
      const samples = parseExposition(text);
      expect(valueOf(samples, 'http_client_duration_seconds_bucket', { job: 'api', le: '0.1' })).toBe(1);
      expect(valueOf(samples, 'http_client_duration_seconds_bucket', { job: 'api', le: '0.5' })).toBe(2);
      expect(valueOf(samples, 'http_client_duration_seconds_sum', { job: 'api' })).toBeCloseTo(0.9, 12);
      expect(valueOf(samples, 'cache_size_bytes', { job: 'api' })).toBe(2048);
      expect(valueOf(samples, 'cpu_time_seconds_total', { job: 'api' })).toBeCloseTo(2.5, 12);
    } finally {
      await collector.exporter.shutdown();
      await based.exporter.shutdown();
    }
  });

  it('accumulates delta up-down sums into a gauge that goes down as well as up', async () => {
    const { exporter: e, url: u } = await startExporter();
    await e.consumeMetrics!(batchOf([sum('jobs.queued', 5, false)]));
    await e.consumeMetrics!(batchOf([sum('jobs.queued', -3, false)]));
    const text = await (await fetch(u)).text();
    await e.shutdown();
    expect(text).toContain('# TYPE jobs_queued gauge\n');
    expect(valueOf(parseExposition(text), 'jobs_queued', { job: 'api' })).toBe(2);
  });

  it('stops serving a series not updated within metric_expiration, and keeps one that is', async () => {
    const { exporter: e, url: u } = await startExporter({ metric_expiration: '300ms' });
    try {
      await e.consumeMetrics!(batchOf([sum('old.events', 1, true), sum('fresh.events', 1, true)]));
      expect(await (await fetch(u)).text()).toContain('old_events_total');
      const started = Date.now();
      // Keep `fresh` updated until `old` is gone; the exporter, not the test, decides when that is.
      const text = await eventually(async () => {
        await e.consumeMetrics!(batchOf([sum('fresh.events', 1, true)]));
        const t = await (await fetch(u)).text();
        return t.includes('old_events_total') ? undefined : t;
      }, 5_000, 'old series expired');
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect(valueOf(parseExposition(text), 'fresh_events_total', { job: 'api' })).toBeGreaterThanOrEqual(2);
    } finally {
      await e.shutdown();
    }
  });

  describe('scraped by a real Prometheus (which negotiates OpenMetrics)', () => {
    let prometheus: PrometheusServer;
    beforeAll(async () => {
      const target = new URL(url).host;
      const bareTarget = new URL(bare.url).host;
      prometheus = await startPrometheus({ config: `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: switchyard\n    honor_labels: true\n    static_configs:\n      - targets: ["${target}"]\n  - job_name: bare\n    static_configs:\n      - targets: ["${bareTarget}"]\n` });
    });
    afterAll(() => prometheus?.close());

    it('ingests every series with its values, and reports the target healthy', async () => {
      const r = await eventually(async () => {
        const v = await prometheus.query('prompter_probe_attempts_total{provider="openai"}');
        return v.length === 1 ? v : undefined;
      }, 20_000, 'scraped counter');
      expect(r[0]!.metric).toMatchObject({ job: 'prompter/prompter-api', instance: 'pod-1', model: 'gpt-4o' });
      expect(r[0]!.value[1]).toBe('12');
      const hq = await prometheus.query('histogram_quantile(0.5, http_server_request_duration_seconds_bucket)');
      expect(Number(hq[0]!.value[1])).toBeGreaterThan(0.1);
      // The exporter with suffixes off is scraped in OpenMetrics too, where its counter keeps _total.
      const bareCounter = await eventually(() => prometheus.query('bare_events_total').then((v) => (v.length === 1 ? v : undefined)), 20_000, 'bare counter');
      expect(bareCounter[0]!.value[1]).toBe('4');
      // Both targets have been scraped by now: each scrape parsed cleanly.
      const targets = (await (await fetch(`${prometheus.url}/api/v1/targets`)).json()) as { data: { activeTargets: { health: string; lastError: string }[] } };
      expect(targets.data.activeTargets).toHaveLength(2);
      for (const t of targets.data.activeTargets) expect(t).toMatchObject({ health: 'up', lastError: '' });
    });
  });

  describe('with auth and tls, scraped by a real Prometheus', () => {
    let prometheus: PrometheusServer;
    let secured: Exporter;
    const cleanup: (() => void)[] = [];
    beforeAll(async () => {
      const t = tempFiles({ token: 'scrape-s3cret\n' });
      cleanup.push(t.cleanup);
      const ca = makeTestCa(t.dir);
      const settings = silentSettings('prometheus');
      secured = prometheusExporterFactory.create(settings, prometheusExporterFactory.configSchema.parse({ endpoint: '127.0.0.1:0', auth: { bearer_token_file: t.path('token') }, tls: { cert_file: ca.serverCert, key_file: ca.serverKey } }));
      await secured.start();
      await secured.consumeMetrics!(batchOf([sum('secured.events', 7, true, 'cumulative')]));
      const target = settings.details.endpoint as string;
      const job = (name: string, auth: string) => `  - job_name: ${name}\n    scheme: https\n    tls_config: { ca_file: ${ca.caCert} }\n${auth}    static_configs:\n      - targets: ["${target}"]\n`;
      prometheus = await startPrometheus({ config: `global:\n  scrape_interval: 1s\nscrape_configs:\n${job('with_token', `    authorization: { credentials_file: ${t.path('token')} }\n`)}${job('without_token', '')}` });
    }, 30_000);
    afterAll(async () => {
      await prometheus?.close();
      await secured?.shutdown();
      cleanup.forEach((c) => c());
    });

    it('is scraped over HTTPS by the job that sends the bearer token, and refuses the job that does not with 401', async () => {
      const v = await eventually(() => prometheus.query('secured_events_total{job="with_token"}').then((r) => (r.length === 1 ? r : undefined)), 20_000, 'secured counter');
      expect(v[0]!.value[1]).toBe('7');
      const down = await eventually(async () => {
        const targets = (await (await fetch(`${prometheus.url}/api/v1/targets`)).json()) as { data: { activeTargets: { labels: { job: string }; health: string; lastError: string }[] } };
        const t = targets.data.activeTargets.find((a) => a.labels.job === 'without_token');
        return t && t.health === 'down' ? t : undefined;
      }, 20_000, 'the job without a token marked down');
      expect(down.lastError).toMatch(/401/);
    });
  });
});

describe('prometheus exporter on a reload', () => {
  /** An exporter that takes over `from`'s listener and series, as the engine does on a reload; its page right after. */
  async function successorPage(config: Record<string, unknown>): Promise<string> {
    const first = prometheusExporterFactory.create(silentSettings('prometheus'), prometheusExporterFactory.configSchema.parse({ endpoint: '127.0.0.1:0' }));
    await first.start();
    await first.consumeMetrics!(batchOf([sum('reload.kept', 7, true, 'cumulative')]));
    const settings = silentSettings('prometheus');
    const next = prometheusExporterFactory.create(settings, prometheusExporterFactory.configSchema.parse({ endpoint: '127.0.0.1:0', ...config }));
    next.takeOver!(await first.handOver!());
    await next.start();
    try {
      return await (await fetch(`http://${settings.details.endpoint as string}/metrics`)).text();
    } finally {
      await next.shutdown();
    }
  }

  it('keeps serving the series of its predecessor, before any service has exported again', async () => {
    expect(valueOf(parseExposition(await successorPage({})), 'reload_kept_total', { job: 'api' })).toBe(7);
  });

  it('starts empty when the reload changed how series are named (another namespace)', async () => {
    const page = await successorPage({ namespace: 'edge' });
    expect(page).not.toContain('reload_kept_total');
  });
});
