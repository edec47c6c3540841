import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { selfTracingTelemetry, spanLines } from '../helpers/own-spans.ts';
import { eventually, freePort } from '../helpers/prometheus-server.ts';
import { tempFiles } from '../helpers/temp-files.ts';

/**
 * A gateway tracing itself into itself (as own-telemetry.test.ts's gateway C) while its `prometheus`
 * receiver scrapes a target that answers and one that answers 500: each scrape is a `receive metrics`
 * span, the failed ones with their error, as the `otlp` receiver's requests are.
 */
const config = (otlpPort: number, spansFile: string, metricsFile: string, good: string, bad: string) => `receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:${otlpPort}" }
  prometheus:
    config:
      scrape_configs:
        - job_name: traced
          scrape_interval: 1s
          static_configs: [{ targets: ["${good}", "${bad}"] }]
exporters:
  log: { path: "${spansFile}", verbosity: detailed }
  log/metrics: { path: "${metricsFile}" }
service:
  admin: { endpoint: "127.0.0.1:0" }
${selfTracingTelemetry(otlpPort)}  pipelines:
    metrics: { receivers: [prometheus], exporters: [log/metrics] }
    traces: { receivers: [otlp], exporters: [log] }
`;

let gw: GatewayProcess;
let spansFile: string;
const cleanups: (() => unknown)[] = [];

async function target(status: number): Promise<string> {
  const server: Server = createServer((_req, res) => res.writeHead(status).end(status === 200 ? 'traced_events_total 1\n' : 'down'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
  return `127.0.0.1:${(server.address() as { port: number }).port}`;
}

beforeAll(async () => {
  const t = tempFiles({});
  cleanups.push(t.cleanup);
  spansFile = t.path('spans.jsonl');
  writeFileSync(t.path('gateway.yaml'), config(await freePort(), spansFile, t.path('metrics.jsonl'), await target(200), await target(500)));
  gw = await startGateway(t.path('gateway.yaml'));
  cleanups.push(() => gw.stop());
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const spans = () => spanLines(spansFile);

describe('spans of intake that is no request (service.telemetry.traces)', () => {
  it('traces each scrape of the prometheus receiver as "receive metrics", a failed one with its error', async () => {
    const scrapes = () => spans().filter((s) => s.name === 'receive metrics' && s.attributes['switchyard.component'] === 'prometheus');
    await eventually(async () => (scrapes().some((s) => s.status === 'error') && scrapes().some((s) => s.status === 'unset') ? true : undefined), 20_000, 'a good and a failed scrape span');
    const ok = scrapes().find((s) => s.status === 'unset')!;
    expect(ok).toMatchObject({ kind: 'server', attributes: { 'switchyard.signal': 'metrics', 'switchyard.transport': 'http' } });
    expect(ok.attributes['error.type']).toBeUndefined();
    const failed = scrapes().find((s) => s.status === 'error')!;
    expect(failed).toMatchObject({ kind: 'server', attributes: { 'error.type': 'scrape_failed', 'switchyard.transport': 'http' } });
    expect(failed.status_message).toMatch(/500/);
  });
});
