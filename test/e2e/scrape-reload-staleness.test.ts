import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../helpers/gateway-process.ts';
import { eventually, startPrometheus, type PrometheusServer } from '../helpers/prometheus-server.ts';
import { tempFiles } from '../helpers/temp-files.ts';

let prometheus: PrometheusServer;
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  prometheus = await startPrometheus({ flags: ['--web.enable-remote-write-receiver'] });
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await prometheus?.close();
});

/** A scrape target serving one counter and one histogram, as a prometheus_client app would. */
async function target(): Promise<string> {
  const page = '# TYPE app_events_total counter\napp_events_total 7\n# TYPE app_latency_seconds histogram\napp_latency_seconds_bucket{le="1"} 1\napp_latency_seconds_bucket{le="+Inf"} 2\napp_latency_seconds_sum 3\napp_latency_seconds_count 2\n';
  const server: Server = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(page));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
  return `127.0.0.1:${(server.address() as { port: number }).port}`;
}

function config(targets: string[]): string {
  return `receivers:
  prometheus:
    config:
      scrape_configs:
        - job_name: scraped-app
          scrape_interval: 1s
          static_configs: [{ targets: [${targets.map((t) => `"${t}"`).join(', ')}] }]
exporters:
  prometheusremotewrite:
    endpoint: "${prometheus.url}/api/v1/write"
    batch_send_deadline: 100ms
service:
  admin: { endpoint: "127.0.0.1:0" }
  pipelines:
    metrics: { receivers: [prometheus], exporters: [prometheusremotewrite] }
`;
}

const instances = async (promql: string) => (await prometheus.query(promql)).map((r) => r.metric.instance).sort();

describe('a scrape target removed by a reload, at a real Prometheus fed by remote write', () => {
  it('is stale right after the SIGHUP (instant queries return nothing for it), while the kept target goes on', async () => {
    const [kept, removed] = [await target(), await target()];
    const files = tempFiles({ 'gateway.yaml': config([kept, removed]) });
    cleanups.push(files.cleanup);
    const gw = await startGateway(files.path('gateway.yaml'));
    cleanups.push(() => gw.stop());
    const both = [kept, removed].sort();
    for (const q of ['app_events_total', 'app_latency_seconds_bucket{le="1"}', 'up', 'target_info']) {
      await eventually(async () => ((await instances(q)).join() === both.join() ? true : undefined), 20_000, `${q} of both targets`);
    }

    writeFileSync(files.path('gateway.yaml'), config([kept]));
    gw.child.kill('SIGHUP');
    await gw.waitForLog((l) => l.msg === 'Configuration reloaded.');
    // Within seconds, not after Prometheus's 5-minute lookback: every series of the removed target ended.
    for (const q of ['app_events_total', 'app_latency_seconds_bucket', 'app_latency_seconds_sum', 'app_latency_seconds_count', 'up', 'scrape_duration_seconds', 'target_info']) {
      await eventually(async () => (!(await instances(q)).includes(removed) ? true : undefined), 10_000, `${q} of the removed target ended`);
      expect(await instances(q), q).toContain(kept);
    }
    // Its samples are there (it was written, then ended), and the kept target's counter was never reset.
    expect(Number((await prometheus.query(`count_over_time(app_events_total{instance="${removed}"}[5m])`))[0]?.value[1])).toBeGreaterThan(0);
    expect(Number((await prometheus.query(`resets(app_events_total{instance="${kept}"}[5m])`))[0]?.value[1])).toBe(0);
  });
});
