import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { gaugePointsRequest } from '../helpers/otlp-json-request.ts';
import { eventually, freePort } from '../helpers/prometheus-server.ts';
import { parseExposition, valueOf } from '../helpers/prom-text.ts';
import { tempFiles } from '../helpers/temp-files.ts';

interface Ports {
  receivers: Record<string, number>;
  exporters: Record<string, number>;
}

/** One pipeline per receiver name, `metrics/<name>`: otlp/<name> → prometheus/<name>, on the given ports. */
const gatewayYaml = ({ receivers, exporters }: Ports) => `receivers:
${Object.entries(receivers).map(([name, port]) => `  otlp/${name}:\n    protocols:\n      http: { endpoint: "127.0.0.1:${port}" }`).join('\n')}
exporters:
${Object.entries(exporters).map(([name, port]) => `  prometheus/${name}: { endpoint: "127.0.0.1:${port}" }`).join('\n')}
service:
  admin: { endpoint: "127.0.0.1:0" }
  pipelines:
${Object.keys(receivers).map((name) => `    metrics/${name}: { receivers: [otlp/${name}], exporters: [prometheus/${name}] }`).join('\n')}
`;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Writes the new config, sends SIGHUP and answers the first "Configuration reloaded." or "Reload …" line after it. */
async function reload(gw: GatewayProcess, file: string, ports: Ports): Promise<Record<string, unknown>> {
  const mark = gw.logs.length;
  writeFileSync(file, gatewayYaml(ports));
  gw.child.kill('SIGHUP');
  return gw.waitForLog((l) => gw.logs.indexOf(l) >= mark && typeof l.msg === 'string' && (l.msg === 'Configuration reloaded.' || l.msg.startsWith('Reload ')));
}

/** Posts one point of service `service` to the OTLP/HTTP port; expects it accepted. */
async function post(port: number, service: string): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: gaugePointsRequest(1, service, service) });
  expect(res.status).toBe(200);
}

/** Whether the scrape endpoint on `port` serves a point of service `service` (its `job`). */
async function serves(port: number, service: string): Promise<boolean> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return parseExposition(text).some((s) => s.name === 'gauge_points' && s.labels.job === service);
}

async function accepted(gw: GatewayProcess, receiver: string): Promise<number> {
  const text = await (await fetch(`http://${gw.endpoints.admin}/metrics`)).text();
  return valueOf(parseExposition(text), 'switchyard_receiver_accepted_points_total', { component: receiver, signal: 'metrics', transport: 'http' });
}

describe.each([
  ['one process', []],
  ['--workers 2', ['--workers', '2']],
])('a SIGHUP reload that gives a port to another component (%s)', (_name, args) => {
  it('lets two receivers and two scrape endpoints swap ports, then moves a port to a receiver of a new pipeline', async () => {
    const [r1, r2, e1, e2] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const t = tempFiles({ 'gateway.yaml': gatewayYaml({ receivers: { a: r1!, b: r2! }, exporters: { a: e1!, b: e2! } }) });
    cleanups.push(t.cleanup);
    const gw = await startGateway(t.path('gateway.yaml'), {}, 40_000, args);
    cleanups.push(() => gw.stop());
    await post(r1!, 'before');
    await eventually(async () => ((await serves(e1!, 'before')) ? true : undefined), 10_000, 'prometheus/a serving the first point');

    // Swapped: otlp/a and otlp/b trade ports, and so do prometheus/a and prometheus/b.
    const swapped = await reload(gw, t.path('gateway.yaml'), { receivers: { a: r2!, b: r1! }, exporters: { a: e2!, b: e1! } });
    expect(swapped.msg, JSON.stringify(swapped)).toBe('Configuration reloaded.');
    expect(swapped.endpoints).toMatchObject({ 'otlp/a.http': `127.0.0.1:${r2}`, 'otlp/b.http': `127.0.0.1:${r1}` });
    await post(r1!, 'swapped');
    // r1 is otlp/b's now, whose pipeline ends in prometheus/b, which now listens on e1.
    await eventually(async () => ((await serves(e1!, 'swapped')) ? true : undefined), 10_000, 'prometheus/b on e1 serving what otlp/b took on r1');
    expect(await accepted(gw, 'otlp/b')).toBe(1);

    // Moved: pipelines a and b give way to c, whose receiver and exporter take a's old ports.
    const moved = await reload(gw, t.path('gateway.yaml'), { receivers: { c: r2! }, exporters: { c: e2! } });
    expect(moved.msg, JSON.stringify(moved)).toBe('Configuration reloaded.');
    await post(r2!, 'moved');
    await eventually(async () => ((await serves(e2!, 'moved')) ? true : undefined), 10_000, 'prometheus/c on e2 serving what otlp/c took on r2');
    expect(await accepted(gw, 'otlp/c')).toBe(1);
    // r1 was nobody's any more: closed.
    await expect(fetch(`http://127.0.0.1:${r1}/v1/metrics`, { method: 'POST', body: '{}' })).rejects.toThrow();
  }, 90_000);
});
