import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDatadogIntake, type DatadogIntake } from '../helpers/datadog-intake.ts';
import { startGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { eventually } from '../helpers/prometheus-server.ts';
import { sdkService } from '../helpers/sdk-service.ts';
import { tempFiles } from '../helpers/temp-files.ts';

let intake: DatadogIntake;
const cleanups: (() => unknown)[] = [];
beforeAll(async () => {
  intake = await startDatadogIntake(['good-key']);
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(() => intake?.close());

async function gateway(key: string): Promise<GatewayProcess> {
  const t = tempFiles({
    'gateway.yaml': `receivers:
  otlp: { protocols: { http: { endpoint: "127.0.0.1:0" } } }
exporters:
  datadog:
    api: { key: ${key}, endpoint: "${intake.url}" }
    batch_send_deadline: 100ms
    retry_on_failure: { initial_interval: 200ms, max_interval: 1s, max_elapsed_time: 0s }
service:
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
    await eventually(async () => (sumOf('prompter.probe.attempts', 'provider:openai') === total ? true : undefined), 10_000, `counts summing to ${total}`);
    const counts = intake.series.filter((s) => s.metric === 'prompter.probe.attempts');
    expect(counts.every((s) => s.type === 1 && s.tags!.includes('service:dd-counts') && s.tags!.includes('env:e2e') && s.resources?.[0]?.name === 'web-1')).toBe(true);
    const gauges = intake.series.filter((s) => s.metric === 'prompter.redis.up' && s.tags!.includes('service:dd-counts'));
    expect(gauges.every((s) => s.type === 3)).toBe(true);
    expect(gauges.at(-1)!.points[0]!.value).toBe(0);
    expect(intake.requests.filter((r) => r.status !== 202 && r.status !== 403)).toEqual([]);
  });

  it('loses nothing through a period of 503s: every count arrives once the intake recovers', async () => {
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
  });
});
