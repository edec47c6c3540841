import { createServer, type Server } from 'node:http';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DATADOG_SITES, intakeBaseUrl, type DatadogExporterConfig } from '../../../exporters/datadog/config.ts';
import { datadogExporterFactory } from '../../../exporters/datadog/factory.ts';
import type { Component } from '../../../src/component/component.ts';
import type { MetricsBatch } from '../../../src/model/metrics.ts';
import { startDatadogIntake, type DatadogIntake } from '../../helpers/datadog-intake.ts';
import { eventually } from '../../helpers/prometheus-server.ts';
import { silentSettings } from '../../helpers/silent-settings.ts';

let intake: DatadogIntake;
const stops: (() => Promise<unknown>)[] = [];
beforeAll(async () => {
  intake = await startDatadogIntake(['good-key']);
});
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});
afterAll(() => intake?.close());

const parse = (raw: Record<string, unknown>): DatadogExporterConfig => datadogExporterFactory.configSchema.parse(raw);

/** An exporter with its log lines recorded. */
function exporter(raw: Record<string, unknown>) {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string }), done()) });
  const settings = { ...silentSettings('datadog'), logger: pino({ level: 'info' }, stream) };
  const config = parse({ batch_send_deadline: '10ms', retry_on_failure: { initial_interval: '50ms', max_interval: '200ms', randomization_factor: 0 }, ...raw });
  const exp = datadogExporterFactory.create(settings, config) as Component & { consumeMetrics(b: MetricsBatch): Promise<void> };
  stops.push(() => exp.shutdown());
  return { exp, settings, lines };
}

function batchOf(service: string): MetricsBatch {
  const now = Date.now() * 1e6;
  return {
    resourceMetrics: [
      {
        resource: { attributes: { 'service.name': service } },
        schemaUrl: '',
        scopeMetrics: [
          {
            scope: { name: '', version: '', attributes: {} },
            schemaUrl: '',
            metrics: [
              { name: 'prompter.probe.attempts', description: '', unit: '', type: 'sum', temporality: 'delta', monotonic: true, points: [{ attributes: {}, startTimeUnixNano: now - 10e9, timeUnixNano: now, flags: 0, value: 3 }] },
              { name: 'prompter.http.latency', description: '', unit: 'ms', type: 'histogram', temporality: 'delta', points: [{ attributes: {}, startTimeUnixNano: now - 10e9, timeUnixNano: now, flags: 0, count: 6, sum: 300, min: 4, max: 120, bucketCounts: [1, 4, 1], explicitBounds: [10, 100] }] },
            ],
          },
        ],
      },
    ],
  };
}

/** A server that takes requests and never answers them. */
async function silentServer(): Promise<string> {
  const server: Server = createServer(() => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  stops.push(
    () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(r);
      }),
  );
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/** A URL nothing listens on (a port just freed). */
async function nobodyThere(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return `http://127.0.0.1:${port}`;
}

const fromService = (service: string) => ({
  series: () => intake.series.filter((s) => s.tags?.includes(`service:${service}`)),
  sketches: () => intake.sketches.filter((s) => s.tags.includes(`service:${service}`)),
});

describe('datadog exporter', () => {
  it('does not send a delivered body again when the rest of its request is retried', async () => {
    const { exp } = exporter({ api: { key: 'good-key', endpoint: intake.url }, num_consumers: 1 });
    await exp.start();
    const before = intake.requests.length;
    intake.failNext(503, 2, '/api/beta/sketches');
    await exp.consumeMetrics(batchOf('partial'));
    const got = fromService('partial');
    await eventually(async () => (got.sketches().length > 0 ? true : undefined), 5000, 'the sketch after two 503s');
    const requests = intake.requests.slice(before).map((r) => `${r.path} ${r.status}`);
    expect(requests).toEqual(['/api/v2/series 202', '/api/beta/sketches 503', '/api/beta/sketches 503', '/api/beta/sketches 202']);
    expect(got.series().map((s) => s.points[0]!.value)).toEqual([3]);
    expect(got.sketches().map((s) => s.dogsketches[0]!.cnt)).toEqual([6]);
  });

  it.each(['deflate', 'zstd1'])('sends %s bodies when asked, which the intake takes', async (compression) => {
    const before = intake.requests.length;
    const { exp } = exporter({ api: { key: 'good-key', endpoint: intake.url }, compression });
    await exp.start();
    await exp.consumeMetrics(batchOf(`compressed-${compression}`));
    const got = fromService(`compressed-${compression}`);
    await eventually(async () => (got.series().length === 1 && got.sketches().length === 1 ? true : undefined), 5000, 'a series and a sketch');
    expect(intake.requests.slice(before).filter((r) => r.status !== 202)).toEqual([]);
  });

  it('starts at once while the key check waits on a DataDog that does not answer, and stops cleanly', async () => {
    const { exp, settings, lines } = exporter({ api: { key: 'k', endpoint: await silentServer() } });
    const t0 = performance.now();
    await exp.start();
    // Waiting on the key check would take its 15 s timeout: well under it means start did not wait.
    expect(performance.now() - t0).toBeLessThan(5_000);
    await exp.shutdown();
    // No verdict on the key was reached, and nothing was said about it.
    const verdicts = Object.keys(settings.details).filter((k) => k.startsWith('api_key'));
    expect([verdicts, lines.filter((l) => l.level >= 40)]).toEqual([[], []]);
  });

  it('says a refused key loudly, once: api_key_valid false and one error line', async () => {
    const { exp, settings, lines } = exporter({ api: { key: 'wrong-key', endpoint: intake.url } });
    await exp.start();
    await eventually(async () => (settings.details.api_key_valid === false ? true : undefined), 5000, 'api_key_valid: false');
    expect(lines.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual(['DataDog API key check failed: DataDog refused the key, so every metric sent to it will be refused until api.key is fixed.']);
    expect(settings.errors).toEqual([expect.stringContaining('DataDog API key refused: 403')]);
  });

  it('tells “cannot reach DataDog” apart from a bad key', async () => {
    const url = await nobodyThere();
    const { exp, settings, lines } = exporter({ api: { key: 'k', endpoint: url } });
    await exp.start();
    await eventually(async () => (settings.details.api_key_check ? true : undefined), 5000, 'the key check outcome');
    expect(settings.details.api_key_check).toBe(`cannot reach DataDog at ${url}: ECONNREFUSED`);
    expect(settings.details.api_key_valid).toBeUndefined();
    expect(lines.filter((l) => l.level >= 40).map((l) => l.level)).toEqual([40]);
  });
});

describe('datadog exporter config', () => {
  it('sends to https://api.<site> for each DataDog site', () => {
    const urls = DATADOG_SITES.map((site) => intakeBaseUrl(parse({ api: { site } }).api));
    expect(urls).toEqual(['https://api.datadoghq.com', 'https://api.us3.datadoghq.com', 'https://api.us5.datadoghq.com', 'https://api.datadoghq.eu', 'https://api.ap1.datadoghq.com', 'https://api.ap2.datadoghq.com', 'https://api.ddog-gov.com']);
  });

  it('sends to endpoint instead when it is set', () => {
    expect(intakeBaseUrl(parse({ api: { site: 'datadoghq.eu', endpoint: 'http://proxy:8080/dd/' } }).api)).toBe('http://proxy:8080/dd');
  });

  it('refuses an unknown site, listing the sites', () => {
    const result = datadogExporterFactory.configSchema.safeParse({ api: { site: 'datadog.com' } });
    expect(result.success ? [] : result.error.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['api.site', `"datadog.com" is not a DataDog site; use one of ${DATADOG_SITES.join(', ')} (or set endpoint)`]]);
  });

  it('defaults to distributions and gzip, takes the intake\'s other encodings deflate and zstd1, and no other', () => {
    const c = parse({});
    expect([c.metrics.histograms.mode, c.compression]).toEqual(['distributions', 'gzip']);
    expect([parse({ compression: 'deflate' }).compression, parse({ compression: 'zstd1' }).compression]).toEqual(['deflate', 'zstd1']);
    expect(datadogExporterFactory.configSchema.safeParse({ compression: 'br' }).success).toBe(false);
  });
});
