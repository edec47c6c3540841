import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { componentStatus, runCli, startGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { tempFiles } from '../helpers/temp-files.ts';

const OTLP_TOKEN = 'otlp-token-7f3a9c';
const ADMIN_TOKEN = 'admin-token-51be02';
const DD_API_KEY = 'dd0123456789abcdef0123456789abcd';
const RW_PASSWORD = 'rw-pass-93kd!x';
const RW_BASIC = Buffer.from(`writer:${RW_PASSWORD}`).toString('base64');
const SECRETS = [OTLP_TOKEN, ADMIN_TOKEN, DD_API_KEY, RW_PASSWORD, RW_BASIC];
const ENV = { OTLP_TOKEN, ADMIN_TOKEN, DD_API_KEY, RW_PASSWORD };

/** A backend that refuses every request with 403 and, carelessly, quotes the credentials it was sent. */
let backend: Server;
let backendUrl = '';

const cleanups: (() => unknown)[] = [];
beforeAll(async () => {
  backend = createServer((req, res) => {
    req.resume();
    res.writeHead(403, { 'content-type': 'text/plain' });
    res.end(`forbidden: key ${String(req.headers['dd-api-key'])} / ${String(req.headers.authorization)}`);
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', () => resolve()));
  backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
  cleanups.push(() => new Promise((resolve) => backend.close(resolve)));
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const config = () => `receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:0", auth: { bearer_token: "\${env:OTLP_TOKEN}" } }
exporters:
  datadog:
    api: { key: "\${env:DD_API_KEY}", endpoint: "${backendUrl}" }
    retry_on_failure: { enabled: false }
  prometheusremotewrite:
    endpoint: "${backendUrl}/api/v1/write"
    basic_auth: { username: writer, password: "\${env:RW_PASSWORD}" }
    retry_on_failure: { enabled: false }
service:
  admin: { endpoint: "127.0.0.1:0", auth: { bearer_token: "\${env:ADMIN_TOKEN}" } }
  pipelines:
    metrics: { receivers: [otlp], exporters: [datadog, prometheusremotewrite] }
`;

function expectNoSecret(text: string, where: string): void {
  for (const s of SECRETS) expect(text.includes(s), `${where} shows a secret`).toBe(false);
}

describe('secrets never leak', () => {
  let gw: GatewayProcess;
  const get = async (path: string) => (await fetch(`http://${gw.endpoints.admin}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text();

  beforeAll(async () => {
    const t = tempFiles({ 'gateway.yaml': config() });
    cleanups.push(t.cleanup);
    gw = await startGateway(t.path('gateway.yaml'), { ...ENV, LOG_LEVEL: 'debug' });
    cleanups.push(() => gw.stop());
    const body = JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'g', gauge: { dataPoints: [{ asInt: 1, timeUnixNano: String(Date.now() * 1e6) }] } }] }] }] });
    const res = await fetch(`http://${gw.endpoints['otlp.http']}/v1/metrics`, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${OTLP_TOKEN}` } });
    expect(res.status).toBe(200);
    // Both exporters have tried, failed, and recorded the backend's answer (which quotes the secrets).
    for (const id of ['datadog', 'prometheusremotewrite']) {
      for (let i = 0; i < 100 && !(await componentStatus(gw.endpoints.admin!, id, ADMIN_TOKEN)).lastError; i++) await new Promise((r) => setTimeout(r, 100));
    }
  }, 60_000);

  it('not in /health/detailed, though the backends’ answers quoting them are shown there', async () => {
    const detailed = await get('/health/detailed');
    expect(detailed).toContain('forbidden: key [REDACTED]');
    expectNoSecret(detailed, '/health/detailed');
  });

  it('not on the status page (its data, /status.json, shows the backends’ errors)', async () => {
    const data = await get('/status.json');
    expect(data).toContain('forbidden: key [REDACTED]');
    expectNoSecret(data, 'the status page’s data');
    expectNoSecret(await get('/'), 'the status page');
  });

  it('not in the log, at debug level', async () => {
    const log = JSON.stringify(gw.logs);
    expect(log).toContain('[REDACTED]');
    expectNoSecret(log, 'the log');
  });

  it('not in validate’s output, even where a message quotes the value', async () => {
    const t = tempFiles({ 'gateway.yaml': config().replace('endpoint: "127.0.0.1:0", auth', 'endpoint: "${env:OTLP_TOKEN}", auth').replace('basic_auth: { username: writer, password: "${env:RW_PASSWORD}" }', 'basic_auth: { username: writer, password: "${env:RW_PASSWORD}", extra: 1 }') });
    cleanups.push(t.cleanup);
    const r = await runCli(['validate', '--config', t.path('gateway.yaml')], ENV);
    expect(r.code).toBe(1);
    expect(r.stderr + r.stdout).toMatch(/"\[REDACTED\]" is not an endpoint/);
    expectNoSecret(r.stderr + r.stdout, 'validate');
  });

  it('not in the error of a run that fails to start', async () => {
    const t = tempFiles({ 'gateway.yaml': config().replace('endpoint: "127.0.0.1:0", auth', 'endpoint: "${env:OTLP_TOKEN}", auth') });
    cleanups.push(t.cleanup);
    const r = await runCli(['run', '--config', t.path('gateway.yaml')], ENV);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('[REDACTED]');
    expectNoSecret(r.stderr + r.stdout, 'run');
  });
});
