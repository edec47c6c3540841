import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startDatadogIntake, type DatadogIntake } from '../helpers/datadog-intake.ts';
import { mergeDogsketches, quantile } from '../helpers/datadog-sketch-intake.ts';
import { startGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { eventually } from '../helpers/prometheus-server.ts';
import { sdkService } from '../helpers/sdk-service.ts';
import { tempFiles } from '../helpers/temp-files.ts';

let intake: DatadogIntake;
const cleanups: (() => unknown)[] = [];
/** Statuses the running test makes the stand-in answer; any other refusal fails the test. */
let expected: Set<number>;
let firstRequest = 0;
const expectStatuses = (...statuses: number[]) => statuses.forEach((s) => expected.add(s));
beforeAll(async () => {
  intake = await startDatadogIntake(['good-key']);
});
beforeEach(() => {
  expected = new Set([202]);
  firstRequest = intake.requests.length;
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  // The gateways are stopped: every request of this test is in, and each must have been expected.
  expect(intake.requests.slice(firstRequest).filter((r) => !expected.has(r.status))).toEqual([]);
});
afterAll(() => intake?.close());

async function gateway(key: string, extra = ''): Promise<GatewayProcess> {
  const t = tempFiles({
    'gateway.yaml': `receivers:
  otlp: { protocols: { http: { endpoint: "127.0.0.1:0" } } }
exporters:
  datadog:
    api: { key: ${key}, endpoint: "${intake.url}" }
    num_consumers: 1
    batch_send_deadline: 100ms
    retry_on_failure: { initial_interval: 200ms, max_interval: 1s, max_elapsed_time: 0s }
${extra}service:
  admin: { endpoint: "127.0.0.1:0" }
  pipelines:
    metrics: { receivers: [otlp], exporters: [datadog] }
`,
  });
  cleanups.push(t.cleanup);
  const gw = await startGateway(t.path('gateway.yaml'));
  cleanups.push(() => gw.stop());
  return gw;
}

function service(gw: GatewayProcess, name: string) {
  return sdkService(gw.endpoints['otlp.http']!, name, { 'host.name': 'web-1' });
}

const sumOf = (metric: string, tag: string) => intake.series.filter((s) => s.metric === metric && (s.tags ?? []).includes(tag)).reduce((n, s) => n + s.points.reduce((m, p) => m + p.value, 0), 0);

describe('datadog exporter against an intake stand-in that validates every request', () => {
  it('sends counts that add up to what was counted across several cumulative exports, and gauges', async () => {
    const gw = await gateway('good-key');
    const svc = service(gw, 'dd-counts');
    const attempts = svc.meter.createCounter('prompter.probe.attempts');
    let redis = 1;
    svc.meter.createObservableGauge('prompter.redis.up').addCallback((r) => r.observe(redis));
    let total = 0;
    for (const n of [3, 5, 0, 7]) {
      attempts.add(n, { provider: 'openai' });
      total += n;
      await svc.flush();
    }
    redis = 0;
    await svc.flush();
    await svc.shutdown();
    const gauges = () => intake.series.filter((s) => s.metric === 'prompter.redis.up' && s.tags!.includes('service:dd-counts'));
    // The last export (redis down) is the last request: wait for it, not only for the counts before it.
    const arrived = () => sumOf('prompter.probe.attempts', 'provider:openai') === total && gauges().at(-1)?.points[0]?.value === 0;
    await eventually(async () => (arrived() ? true : undefined), 10_000, `counts summing to ${total} and the gauge at 0`);
    const counts = intake.series.filter((s) => s.metric === 'prompter.probe.attempts');
    expect(counts.every((s) => s.type === 1 && s.tags!.includes('service:dd-counts') && s.tags!.includes('env:e2e') && s.resources?.[0]?.name === 'web-1')).toBe(true);
    expect(gauges().every((s) => s.type === 3)).toBe(true);
  });

  it('loses nothing through a period of 503s: every count arrives once the intake recovers', async () => {
    expectStatuses(503);
    const gw = await gateway('good-key');
    const svc = service(gw, 'dd-outage');
    const c = svc.meter.createCounter('prompter.results.insert.count');
    c.add(2);
    await svc.flush();
    await eventually(async () => (sumOf('prompter.results.insert.count', 'service:dd-outage') === 2 ? true : undefined), 10_000, 'first count');
    intake.failNext(503, 4);
    for (let i = 0; i < 3; i++) {
      c.add(1);
      await svc.flush();
    }
    await svc.shutdown();
    await eventually(async () => (sumOf('prompter.results.insert.count', 'service:dd-outage') === 5 ? true : undefined), 20_000, 'all counts after the 503s');
    expect(intake.requests.filter((r) => r.status === 503)).toHaveLength(4);
  });

  it('does not retry a 403, says so once, and reports the bad key without stopping', async () => {
    expectStatuses(403);
    const before = intake.requests.length;
    const gw = await gateway('wrong-key');
    const failed = await gw.waitForLog((l) => String(l.msg).startsWith('DataDog API key check failed'));
    expect(failed.level).toBe('error');
    const svc = service(gw, 'dd-forbidden');
    svc.meter.createCounter('prompter.db.unique_violation').add(1);
    await svc.flush();
    await svc.shutdown();
    await gw.waitForLog((l) => String(l.msg).startsWith('Dropped items: DataDog answered 403'));
    await new Promise((r) => setTimeout(r, 800));
    expect(intake.requests.slice(before).filter((r) => r.status === 403)).toHaveLength(1);
    const detailed = (await (await fetch(`http://${gw.endpoints.admin}/health/detailed`)).json()) as { components: { id: string; state: string; details: Record<string, unknown> }[] };
    expect(detailed.components.find((c) => c.id === 'datadog')).toMatchObject({ state: 'running', details: { api_key_valid: false } });
    // Still ready (the other pipelines go on), with the refused key named as the readiness detail.
    const ready = await fetch(`http://${gw.endpoints.admin}/health/ready`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { degraded: string[] }).degraded).toEqual([expect.stringMatching(/^exporter datadog: .*403/)]);
  });

  it('retries a 408 and a 429 until the intake takes the counts', async () => {
    expectStatuses(408, 429);
    const gw = await gateway('good-key');
    const svc = service(gw, 'dd-throttled');
    const retries = svc.meter.createCounter('celery.task.retries');
    intake.failNext(408, 1);
    retries.add(2, { queue: 'probes' });
    await svc.flush();
    await eventually(async () => (sumOf('celery.task.retries', 'service:dd-throttled') === 2 ? true : undefined), 10_000, 'the count after a 408');
    intake.failNext(429, 1);
    retries.add(3, { queue: 'probes' });
    await svc.flush();
    await eventually(async () => (sumOf('celery.task.retries', 'service:dd-throttled') === 5 ? true : undefined), 10_000, 'the count after a 429');
    expect(intake.requests.slice(firstRequest, firstRequest + 4).map((r) => r.status)).toEqual([408, 202, 429, 202]);
    await svc.shutdown();
  });

  it('does not retry a 400: the points are dropped, counted by reason, and the answer logged once', async () => {
    expectStatuses(400);
    const gw = await gateway('good-key');
    const svc = service(gw, 'dd-refused');
    const violations = svc.meter.createCounter('prompter.db.unique_violation');
    const refusals = () => intake.requests.slice(firstRequest).filter((r) => r.status === 400).length;
    intake.failNext(400, 2);
    for (const n of [1, 2]) {
      violations.add(1, { table: 'prompt_results' });
      await svc.flush();
      await eventually(async () => (refusals() === n ? true : undefined), 10_000, `refusal ${n}`);
    }
    violations.add(1, { table: 'prompt_results' });
    await svc.flush();
    // One sender per series, in order: the third count arriving means nothing before it is still retrying.
    await eventually(async () => (sumOf('prompter.db.unique_violation', 'service:dd-refused') === 1 ? true : undefined), 10_000, 'the third count');
    expect(refusals()).toBe(2);
    expect(gw.logs.filter((l) => String(l.msg).startsWith('Dropped items: DataDog answered 400'))).toHaveLength(1);
    const metrics = await (await fetch(`http://${gw.endpoints.admin}/metrics`)).text();
    expect(metrics).toMatch(/^switchyard_exporter_failed_points_total\{[^}]*reason="http_400"[^}]*\} 2$/m);
    await svc.shutdown();
  });

  it('sends a histogram as sketches whose count and sum are exact over cumulative exports, and whose p95 is within one bucket of the true p95', async () => {
    const gw = await gateway('good-key');
    const svc = service(gw, 'dd-sketch');
    const latency = svc.meter.createHistogram('prompter.http.latency', { unit: 'ms' });
    const bounds = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000]; // the SDK's default
    let seed = 42;
    const uniform = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
    const recorded: number[] = [];
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 500; i++) {
        const v = 60 * Math.exp(0.9 * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()));
        recorded.push(v);
        latency.record(v, { route: '/v1/prompts' });
      }
      await svc.flush();
    }
    const mine = () => intake.sketches.filter((s) => s.metric === 'prompter.http.latency' && s.tags.includes('service:dd-sketch'));
    const dogsketches = await eventually(async () => {
      const all = mine().flatMap((s) => s.dogsketches);
      return all.reduce((n, d) => n + d.cnt, 0) === recorded.length ? all : undefined;
    }, 10_000, `sketches counting ${recorded.length} values`);
    await svc.shutdown();
    expect(dogsketches.map((d) => d.cnt)).toEqual([500, 500, 500, 500]);
    expect(mine().every((s) => s.host === 'web-1' && s.tags.includes('route:/v1/prompts') && s.tags.includes('env:e2e'))).toBe(true);
    const trueSum = recorded.reduce((a, b) => a + b, 0);
    expect(Math.abs(dogsketches.reduce((a, d) => a + d.sum, 0) - trueSum)).toBeLessThan(1e-9 * trueSum);
    const sorted = [...recorded].sort((a, b) => a - b);
    const trueP95 = sorted[Math.ceil(0.95 * sorted.length) - 1]!;
    const sketchP95 = quantile(mergeDogsketches(dogsketches), 0.95);
    const bucketOf = (v: number) => (bounds.findIndex((b) => v <= b) + bounds.length + 1) % (bounds.length + 1);
    expect(Math.abs(bucketOf(sketchP95) - bucketOf(trueP95)), `true p95 ${trueP95}, sketch p95 ${sketchP95}`).toBeLessThanOrEqual(1);
  });
  it('gives every series exactly one env tag: the resource’s, else the point’s env label, else the configured env', async () => {
    const gw = await gateway('good-key', '    env: fallback\n');
    // A resource with its environment, and a point labelled with another (a label copied from another
    // resource by a processor, or the app's own): DataDog would show the series under both.
    const withEnv = service(gw, 'dd-env-resource');
    withEnv.meter.createCounter('prompter.version.lookups').add(2, { env: 'staging' });
    // A resource without one (a scraped app's): its point's label, or the configured default.
    const without = sdkService(gw.endpoints['otlp.http']!, 'dd-env-none', { 'deployment.environment.name': undefined });
    const lookups = without.meter.createCounter('prompter.version.lookups');
    lookups.add(3, { env: 'canary' });
    lookups.add(4);
    for (const s of [withEnv, without]) {
      await s.flush();
      await s.shutdown();
    }
    const envTags = (service: string) => intake.series.filter((x) => x.metric === 'prompter.version.lookups' && x.tags!.includes(`service:${service}`)).map((x) => x.tags!.filter((t) => t.startsWith('env:')).join(' '));
    const distinct = (service: string) => [...new Set(envTags(service))].sort();
    await eventually(async () => (distinct('dd-env-resource').length >= 1 && distinct('dd-env-none').length >= 2 ? true : undefined), 10_000, 'the three series');
    // One env tag each (a tag list joined by spaces: two tags would show as 'env:a env:b').
    expect(distinct('dd-env-resource')).toEqual(['env:e2e']);
    expect(distinct('dd-env-none')).toEqual(['env:canary', 'env:fallback']);
  });
});
