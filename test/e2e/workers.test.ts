import { readFileSync, writeFileSync } from 'node:fs';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workerOf } from '../../src/workers/split.ts';
import { FREE_PORTS_ENV } from '../helpers/free-ports-env.ts';
import { startGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { find, parseExposition, valueOf } from '../helpers/prom-text.ts';
import { PROVIDERS, prompterRounds } from '../helpers/prompter-rounds.ts';
import { tempFiles } from '../helpers/temp-files.ts';

class ManualReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

const SERVICES = ['prompter-api', 'prompter-worker', 'celery-worker', 'billing-api', 'search-api', 'auth-api'];

/** What the real SDK sends for one Prompter-like service (test/helpers/prompter-rounds.ts): two exports of the same cumulative instruments. */
async function recordedRequests(service: string, salt: number): Promise<Uint8Array[]> {
  const reader = new ManualReader();
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': service, 'deployment.environment.name': 'e2e' }), readers: [reader] });
  const rounds = prompterRounds(provider.getMeter('prompter', '7.0.0'), salt);
  const bodies: Uint8Array[] = [];
  for (let round = 1; round <= 2; round++) {
    rounds.record(round);
    const { resourceMetrics } = await reader.collect();
    bodies.push(ProtobufMetricsSerializer.serializeRequest(resourceMetrics)!);
  }
  await provider.shutdown();
  return bodies;
}

async function post(gateway: GatewayProcess, body: Uint8Array): Promise<void> {
  const res = await fetch(`http://${gateway.endpoints['otlp.http']}/v1/metrics`, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body: Buffer.from(body) });
  expect(res.status).toBe(200);
}

const text = async (url: string) => (await fetch(url)).text();
/**
 * The page's lines, sorted: the same content whatever order the samples of a family came in. The host's
 * own metrics (node_*, scraped live by the shipped host pipeline) differ between any two gateways.
 */
const lines = (page: string) =>
  page
    .split('\n')
    .filter((l) => l && !/^(# (HELP|TYPE) )?node_/.test(l))
    .sort();

let one: GatewayProcess;
let two: GatewayProcess;
beforeAll(async () => {
  // The shipped host pipeline scrapes this host 1 s after start, then (here) not again within the test: the
  // admin counters compared below count one host scrape on each gateway, however far apart they started.
  const env = { ...FREE_PORTS_ENV, SWITCHYARD_LOG_PATH: 'stderr', PROMETHEUS_REMOTE_WRITE_URL: '', SWITCHYARD_HOSTMETRICS_INTERVAL: '1h' };
  [one, two] = await Promise.all([startGateway('config/gateway.yaml', env, 40_000, ['--workers', '1']), startGateway('config/gateway.yaml', env, 40_000, ['--workers', '2'])]);
  const requests = await Promise.all(SERVICES.map((s, i) => recordedRequests(s, i)));
  // The same requests, in the same order, to both: first exports of every service, then the second ones.
  for (const round of [0, 1]) for (const bodies of requests) await Promise.all([post(one, bodies[round]!), post(two, bodies[round]!)]);
}, 90_000);
afterAll(async () => {
  await Promise.all([one?.stop(), two?.stop()]);
});

describe('switchyard run --workers 2 on the Prompter Prometheus pipeline', () => {
  it('spreads the test services over both workers (the precondition of what follows)', () => {
    expect(new Set(SERVICES.map((s) => workerOf({ 'service.name': s }, 2)))).toEqual(new Set([0, 1]));
    expect(two.logs.find((l) => l.msg === 'Gateway started.')!.workers).toBe(2);
  });

  it('serves one merged scrape identical in content to one worker’s: counts, capped series and ratios', async () => {
    const [a, b] = await Promise.all([text(`http://${one.endpoints.prometheus}/metrics`), text(`http://${two.endpoints.prometheus}/metrics`)]);
    expect(lines(b)).toEqual(lines(a));
    // What is compared is not empty: caps and ratios are there for every service.
    const samples = parseExposition(b);
    for (const service of SERVICES) {
      expect(find(samples, 'celery_task_retries_total', { service })).toHaveLength(101);
      expect(find(samples, 'celery_task_retries_total', { service, otel_metric_overflow: 'true' })).toHaveLength(1);
      expect(find(samples, 'prompter_probe_failure_ratio', { service })).toHaveLength(PROVIDERS.length);
      expect(valueOf(samples, 'prompter_version_cache_hit_ratio', { service, env: 'e2e' })).toBeGreaterThan(0);
      expect(find(samples, 'starlette_requests_error_ratio', { service })).toHaveLength(1);
    }
    // Every HELP/TYPE once: a family split over workers is merged, not repeated.
    const types = b.split('\n').filter((l) => l.startsWith('# TYPE '));
    expect(new Set(types).size).toBe(types.length);
  });

  it('counts the same series and overflow points on the admin /metrics (caps are global, not per worker)', async () => {
    // Once each gateway's one host scrape went through (it may come after the requests above).
    const hostScraped = async (g: GatewayProcess) => find(parseExposition(await text(`http://${g.endpoints.admin}/metrics`)), 'switchyard_receiver_accepted_points_total', { component: 'hostmetrics' }).some((s) => s.value > 0);
    await expect.poll(async () => (await hostScraped(one)) && (await hostScraped(two)), { timeout: 20_000, interval: 200 }).toBe(true);
    const [a, b] = await Promise.all([text(`http://${one.endpoints.admin}/metrics`), text(`http://${two.endpoints.admin}/metrics`)]);
    const pick = (page: string) => lines(page).filter((l) => /^switchyard_(cardinality_series|cardinality_overflow_points_total|receiver_accepted_points_total|exporter_sent_points_total)\{/.test(l));
    expect(pick(b).length).toBeGreaterThan(0);
    expect(pick(b)).toEqual(pick(a));
  });

  it('reports both workers running in /health/detailed', async () => {
    const detailed = JSON.parse(await text(`http://${two.endpoints.admin}/health/detailed`)) as { status: string; workers: { index: number; state: string; restarts: number }[] };
    expect(detailed.status).toBe('ok');
    expect(detailed.workers.map((w) => [w.index, w.state, w.restarts])).toEqual([
      [0, 'running', 0],
      [1, 'running', 0],
    ]);
  });
});

describe('switchyard run --workers 2 with a bearer token on the Prometheus exporter', () => {
  it('keeps the exporter’s auth on the merged scrape page the main thread serves', async () => {
    const t = tempFiles({
      token: 'scrape-secret\n',
      'gateway.yaml': `
receivers:
  otlp: { protocols: { http: { endpoint: "127.0.0.1:0" } } }
exporters:
  prometheus: { endpoint: "127.0.0.1:0", auth: { bearer_token_file: TOKEN } }
service:
  admin: { endpoint: "127.0.0.1:0" }
  pipelines:
    metrics: { receivers: [otlp], exporters: [prometheus] }
`,
    });
    writeFileSync(t.path('gateway.yaml'), readFileSync(t.path('gateway.yaml'), 'utf8').replace('TOKEN', t.path('token')));
    const gateway = await startGateway(t.path('gateway.yaml'), {}, 40_000, ['--workers', '2']);
    try {
      const url = `http://${gateway.endpoints.prometheus}/metrics`;
      const refused = await fetch(url);
      expect(refused.status).toBe(401);
      expect(await refused.text()).not.toContain('# TYPE');
      expect((await fetch(url, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
      const allowed = await fetch(url, { headers: { authorization: 'Bearer scrape-secret' } });
      expect(allowed.status).toBe(200);
      await allowed.text();
    } finally {
      await gateway.stop();
      t.cleanup();
    }
  }, 60_000);
});
