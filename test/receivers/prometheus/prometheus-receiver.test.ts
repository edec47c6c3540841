import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps, type ServerOptions } from 'node:https';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { prometheusReceiverConfigSchema } from '../../../receivers/prometheus/config.ts';
import { prometheusReceiverFactory } from '../../../receivers/prometheus/factory.ts';
import type { Component } from '../../../src/component/component.ts';
import { FLAG_NO_RECORDED_VALUE, type MetricsBatch, type NumberDataPoint } from '../../../src/model/metrics.ts';
import { eventually } from '../../helpers/prometheus-server.ts';
import { silentSettings } from '../../helpers/silent-settings.ts';
import { tempFiles } from '../../helpers/temp-files.ts';

const PAGE = '# TYPE prompter_probe_attempts_total counter\nprompter_probe_attempts_total{provider="openai"} 4\n';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void, tls?: ServerOptions): Promise<string> {
  const server: Server = tls ? createHttps(tls, handler) : createHttp(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
  return `127.0.0.1:${(server.address() as { port: number }).port}`;
}

/** Starts the receiver on `job` (one scrape config) and collects every batch it hands on. */
async function receive(job: Record<string, unknown>) {
  const config = prometheusReceiverConfigSchema.parse({ config: { scrape_configs: [{ job_name: 'app', scrape_interval: '1s', ...job }] } });
  const batches: MetricsBatch[] = [];
  const settings = silentSettings('prometheus');
  const receiver: Component = prometheusReceiverFactory.create(settings, config, { metrics: { consumeMetrics: async (b) => void batches.push(b) } });
  await receiver.start();
  cleanups.push(() => receiver.shutdown());
  const gauge = (name: string) => batches.flatMap((b) => b.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics))).filter((m) => m.name === name).map((m) => (m.points[0] as NumberDataPoint).value);
  return { batches, receiver, settings, up: () => eventually(async () => gauge('up')[0], 10_000, 'a scrape'), gauge };
}

describe('prometheus receiver', () => {
  it('scrapes a target on its interval and hands each scrape on, with the target as the resource', async () => {
    const target = await serve((_req, res) => res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(PAGE));
    const r = await receive({ static_configs: [{ targets: [target], labels: { env: 'e2e' } }] });
    expect(await r.up()).toBe(1);
    const rm = r.batches[0]!.resourceMetrics[0]!;
    expect(rm.resource.attributes).toMatchObject({ 'service.name': 'app', 'service.instance.id': target });
    const sum = rm.scopeMetrics[0]!.metrics.find((m) => m.name === 'prompter_probe_attempts')!;
    expect(sum.points[0]).toMatchObject({ value: 4, attributes: { provider: 'openai', env: 'e2e' } });
    await eventually(async () => (r.batches.length >= 2 ? true : undefined), 5_000, 'a second scrape a second later');
    expect(r.settings.details.targets).toBe(1);
  });

  it('asks for metrics_path with params as the query string, OpenMetrics first', async () => {
    const asked: { url?: string; accept?: string }[] = [];
    const target = await serve((req, res) => (asked.push({ url: req.url, accept: req.headers.accept }), res.writeHead(200).end(PAGE)));
    const r = await receive({ metrics_path: '/probe/metrics', params: { module: ['http_2xx'], target: ['a', 'b'] }, static_configs: [{ targets: [target] }] });
    expect(await r.up()).toBe(1);
    expect(asked[0]!.url).toBe('/probe/metrics?module=http_2xx&target=a&target=b');
    expect(asked[0]!.accept).toMatch(/^application\/openmetrics-text;version=1\.0\.0;q=0\.5,.*text\/plain;version=0\.0\.4/);
  });

  it('sends basic auth, or an Authorization header from a file, and says up 0 when the target refuses', async () => {
    const seen: (string | undefined)[] = [];
    const target = await serve((req, res) => {
      seen.push(req.headers.authorization);
      if (req.headers.authorization === `Basic ${Buffer.from('u:p').toString('base64')}` || req.headers.authorization === 'Bearer tok') res.writeHead(200).end(PAGE);
      else res.writeHead(401).end();
    });
    expect(await (await receive({ static_configs: [{ targets: [target] }], basic_auth: { username: 'u', password: 'p' } })).up()).toBe(1);
    const t = tempFiles({ token: 'tok\n' });
    cleanups.push(t.cleanup);
    expect(await (await receive({ job_name: 'b', static_configs: [{ targets: [target] }], authorization: { credentials_file: t.path('token') } })).up()).toBe(1);
    writeFileSync(t.path('password'), 'p\n');
    expect(await (await receive({ job_name: 'pf', static_configs: [{ targets: [target] }], basic_auth: { username: 'u', password_file: t.path('password') } })).up()).toBe(1);
    const wrong = await receive({ job_name: 'c', static_configs: [{ targets: [target] }], authorization: { credentials: 'nope' } });
    expect(await wrong.up()).toBe(0);
    expect(wrong.settings.errors.at(-1)).toMatch(/1 of 1 target\(s\) down/);
    expect(wrong.settings.details.targets_down).toEqual({ [`c/${target}`]: 'server returned HTTP status 401 Unauthorized' });
  });

  it('scrapes over TLS, verifying the target with ca_file', async () => {
    const t = tempFiles({});
    cleanups.push(t.cleanup);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', t.path('key.pem'), '-out', t.path('cert.pem')], { stdio: 'ignore' });
    const target = await serve((_req, res) => res.writeHead(200).end(PAGE), { key: readFileSync(t.path('key.pem'), 'utf8'), cert: readFileSync(t.path('cert.pem'), 'utf8') });
    expect(await (await receive({ scheme: 'https', static_configs: [{ targets: [target] }], tls_config: { ca_file: t.path('cert.pem') } })).up()).toBe(1);
    // Without the CA, the self-signed certificate is refused.
    expect(await (await receive({ job_name: 'untrusted', scheme: 'https', static_configs: [{ targets: [target] }] })).up()).toBe(0);
  });

  it('presents cert_file and key_file to a target that asks for a client certificate, checks server_name, and skips checks only with insecure_skip_verify', async () => {
    const t = tempFiles({});
    cleanups.push(t.cleanup);
    const selfSigned = (name: string, subject: string, san: string) =>
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', subject, '-addext', san, '-keyout', t.path(`${name}.key`), '-out', t.path(`${name}.pem`)], { stdio: 'ignore' });
    // The target's certificate names a host, not the address it is scraped at.
    selfSigned('server', '/CN=metrics.internal', 'subjectAltName=DNS:metrics.internal');
    selfSigned('client', '/CN=switchyard', 'extendedKeyUsage=clientAuth');
    const pem = (name: string) => readFileSync(t.path(name), 'utf8');
    const target = await serve((_req, res) => res.writeHead(200).end(PAGE), { key: pem('server.key'), cert: pem('server.pem'), ca: pem('client.pem'), requestCert: true, rejectUnauthorized: true });
    const client = { cert_file: t.path('client.pem'), key_file: t.path('client.key') };
    const job = (name: string, tls: Record<string, unknown>) => receive({ job_name: name, scheme: 'https', static_configs: [{ targets: [target] }], tls_config: tls });
    expect(await (await job('mtls', { ca_file: t.path('server.pem'), server_name: 'metrics.internal', ...client })).up()).toBe(1);
    // No client certificate: the target refuses the handshake.
    expect(await (await job('no-client-cert', { ca_file: t.path('server.pem'), server_name: 'metrics.internal' })).up()).toBe(0);
    // Without server_name the certificate is checked against 127.0.0.1, which it does not name.
    const unnamed = await job('no-server-name', { ca_file: t.path('server.pem'), ...client });
    expect(await unnamed.up()).toBe(0);
    expect(Object.values(unnamed.settings.details.targets_down as Record<string, string>)[0]).toMatch(/altnames|IP/i);
    expect(await (await job('insecure', { insecure_skip_verify: true, ...client })).up()).toBe(1);
  });

  it('reads gzip bodies, and fails a scrape that takes longer than scrape_timeout', async () => {
    const zipped = await serve((_req, res) => res.writeHead(200, { 'Content-Encoding': 'gzip' }).end(gzipSync(PAGE)));
    const z = await receive({ static_configs: [{ targets: [zipped] }] });
    expect(await z.up()).toBe(1);
    const slow = await serve(() => undefined); // never answers
    const s = await receive({ job_name: 'slow', scrape_timeout: '200ms', static_configs: [{ targets: [slow] }] });
    const started = Date.now();
    expect(await s.up()).toBe(0);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(s.gauge('scrape_duration_seconds')[0]).toBeGreaterThanOrEqual(0.19);
  });

  it('stops scraping on shutdown', async () => {
    let hits = 0;
    const target = await serve((_req, res) => (hits++, res.writeHead(200).end(PAGE)));
    const r = await receive({ static_configs: [{ targets: [target] }] });
    await r.up();
    await r.receiver.shutdown();
    const after = hits;
    await new Promise((res) => setTimeout(res, 1_500));
    expect(hits).toBe(after);
  });
  it('on a reload, ends every series of a target the new config removed (stale markers, up included) and continues the kept one with its start times', async () => {
    const kept = await serve((_req, res) => res.writeHead(200).end(PAGE));
    const removed = await serve((_req, res) => res.writeHead(200).end('# TYPE gone_seconds histogram\ngone_seconds_bucket{le="1"} 1\ngone_seconds_bucket{le="+Inf"} 2\ngone_seconds_sum 3\ngone_seconds_count 2\n'));
    const before = await receive({ static_configs: [{ targets: [kept, removed] }] });
    await eventually(async () => (before.gauge('up').length >= 2 ? true : undefined), 10_000, 'both targets scraped');
    const startOf = (batches: MetricsBatch[]) => batches.flatMap((b) => b.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics))).filter((m) => m.name === 'prompter_probe_attempts').map((m) => m.points[0]!.startTimeUnixNano);
    const firstStart = startOf(before.batches)[0]!;
    const handover = await before.receiver.handOver!();

    const config = prometheusReceiverConfigSchema.parse({ config: { scrape_configs: [{ job_name: 'app', scrape_interval: '1s', static_configs: [{ targets: [kept] }] }] } });
    const batches: MetricsBatch[] = [];
    const after = prometheusReceiverFactory.create(silentSettings('prometheus'), config, { metrics: { consumeMetrics: async (b) => void batches.push(b) } });
    after.takeOver!(handover);
    await after.start();
    cleanups.push(() => after.shutdown());
    // The first batch, handed on before any scrape: the removed target's end, and nothing of the kept one.
    const ended = batches[0]!;
    expect(ended.resourceMetrics.map((rm) => rm.resource.attributes['service.instance.id'])).toEqual([removed]);
    const metrics = ended.resourceMetrics[0]!.scopeMetrics[0]!.metrics;
    expect(metrics.map((m) => m.name).sort()).toEqual(['gone_seconds', 'scrape_duration_seconds', 'scrape_samples_post_metric_relabeling', 'scrape_samples_scraped', 'up']);
    expect(metrics.every((m) => m.points.every((p: { flags: number }) => p.flags === FLAG_NO_RECORDED_VALUE))).toBe(true);
    const histogram = metrics.find((m) => m.name === 'gone_seconds')!;
    expect(histogram.type === 'histogram' && histogram.points[0]!.explicitBounds).toEqual([1]);
    // The kept target goes on as one series: the same start time, no reset, no marker.
    await eventually(async () => (startOf(batches).length > 0 ? true : undefined), 10_000, 'the kept target scraped after the reload');
    expect(startOf(batches)[0]).toBe(firstStart);
    expect(batches.slice(1).flatMap((b) => b.resourceMetrics.map((rm) => rm.resource.attributes['service.instance.id']))).not.toContain(removed);
  });
});
