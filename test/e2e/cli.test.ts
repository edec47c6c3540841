import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { FREE_PORTS_ENV } from '../helpers/free-ports-env.ts';
import { runCli, startGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { tempFiles } from '../helpers/temp-files.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const config = (prometheusPort = '0') => `receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:0" }
exporters:
  prometheus: { endpoint: "127.0.0.1:${prometheusPort}" }
service:
  admin: { endpoint: "127.0.0.1:0" }
  pipelines:
    metrics: { receivers: [otlp], exporters: [prometheus] }
`;

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

describe('switchyard CLI', () => {
  it('validate exits 0 on the shipped config/gateway.yaml', async () => {
    const r = await runCli(['validate', '--config', 'config/gateway.yaml'], FREE_PORTS_ENV);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('validate exits 1 and prints every error as file:line:column: path: message', async () => {
    const t = tempFiles({ 'bad.yaml': config().replace('prometheus: {', 'prometheus: { colour: red,').replace('exporters: [prometheus]', 'exporters: [prometheus, datadog/eu]') });
    cleanups.push(t.cleanup);
    const r = await runCli(['validate', '--config', t.path('bad.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${t.path('bad.yaml')}:6:`);
    expect(r.stderr).toContain('exporters.prometheus.colour: unknown key "colour"');
    expect(r.stderr).toContain(`${t.path('bad.yaml')}:10:`);
    expect(r.stderr).toContain('service.pipelines.metrics.exporters[1]: exporter "datadog/eu" is not defined');
    expect(r.stderr).toContain('2 error(s)');
  });

  it('run refuses an invalid config with its errors and exit code 1', async () => {
    const t = tempFiles({ 'bad.yaml': config().replace('"127.0.0.1:0" }\nexporters', '"127.0.0.1:99999" }\nexporters') });
    cleanups.push(t.cleanup);
    const r = await runCli(['run', '--config', t.path('bad.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('receivers.otlp.protocols.http.endpoint: "127.0.0.1:99999" is not an endpoint');
  });

  it('keeps its pipelines running when SIGHUP brings an invalid config, and applies a valid one', async () => {
    const t = tempFiles({ 'gateway.yaml': config() });
    cleanups.push(t.cleanup);
    const gw: GatewayProcess = await startGateway(t.path('gateway.yaml'));
    cleanups.push(() => gw.stop());
    const scrape = `http://${gw.endpoints.prometheus}/metrics`;
    expect((await get(scrape)).status).toBe(200);

    writeFileSync(t.path('gateway.yaml'), config().replace('exporters: [prometheus]', 'exporters: [nowhere]'));
    gw.child.kill('SIGHUP');
    const refused = await gw.waitForLog((l) => String(l.msg).startsWith('Reload refused'));
    expect(JSON.stringify(refused)).toContain('exporter \\"nowhere\\" is not defined');
    expect((await get(scrape)).status).toBe(200);
    expect((await get(`http://${gw.endpoints.admin}/health/ready`)).status).toBe(200);

    writeFileSync(t.path('gateway.yaml'), config().replace('exporters: [prometheus]', 'exporters: [prometheus, log]').replace('exporters:\n', 'exporters:\n  log: { path: stdout }\n'));
    gw.child.kill('SIGHUP');
    const reloaded = await gw.waitForLog((l) => l.msg === 'Configuration reloaded.');
    const scrapeAfter = `http://${(reloaded.endpoints as Record<string, string>).prometheus}/metrics`;
    expect((await get(scrapeAfter)).status).toBe(200);
    const detailed = JSON.parse((await get(`http://${gw.endpoints.admin}/health/detailed`)).body) as { components: { id: string }[] };
    expect(detailed.components.map((c) => c.id)).toContain('log');
  });

  it('stops gracefully on SIGTERM with exit code 0', async () => {
    const t = tempFiles({ 'gateway.yaml': config() });
    cleanups.push(t.cleanup);
    const gw = await startGateway(t.path('gateway.yaml'));
    expect(await gw.stop()).toBe(0);
    expect(gw.logs.some((l) => l.msg === 'Gateway stopped.')).toBe(true);
  });
});
