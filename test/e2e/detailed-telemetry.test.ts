import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway } from '../helpers/gateway-process.ts';
import { startNatsServer } from '../helpers/nats-server.ts';
import { gaugePointsRequest } from '../helpers/otlp-json-request.ts';
import { eventually } from '../helpers/prometheus-server.ts';
import { find, parseExposition, promtoolCheckMetrics, valueOf, type Sample } from '../helpers/prom-text.ts';
import { remoteWriteReceiver } from '../helpers/remote-write-receiver.ts';
import { tempFiles } from '../helpers/temp-files.ts';

/** OTLP/HTTP in, remote-write out to `backend`, the gateway's own metrics at `level`. */
const gatewayYaml = (backend: string, level: string) => `receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:0" }
exporters:
  prometheusremotewrite:
    endpoint: "${backend}/api/v1/write"
    batch_send_deadline: 50ms
service:
  admin: { endpoint: "127.0.0.1:0" }
  telemetry:
    metrics: { level: ${level} }
  pipelines:
    metrics: { receivers: [otlp], exporters: [prometheusremotewrite] }
`;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const receiver = { component: 'otlp', signal: 'metrics', transport: 'http' };
const exporter = { component: 'prometheusremotewrite', signal: 'metrics' };

async function post(otlp: string, body: string): Promise<void> {
  const res = await fetch(`http://${otlp}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  expect(res.status).toBe(200);
}

describe('service.telemetry.metrics.level: detailed, end to end', () => {
  it('serves request duration and size and send duration with the real figures, and drops them when a reload lowers the level', async () => {
    // The backend refuses the first write for good (400), then takes every one: one send of each outcome.
    const backend = await remoteWriteReceiver((_req, i) => (i === 0 ? { status: 400, body: 'bad request' } : { status: 204 }));
    cleanups.push(() => backend.close());
    const t = tempFiles({ 'gateway.yaml': gatewayYaml(backend.url, 'detailed') });
    cleanups.push(t.cleanup);
    const gw = await startGateway(t.path('gateway.yaml'));
    cleanups.push(() => gw.stop());
    const otlp = gw.endpoints['otlp.http']!;
    const metrics = async (): Promise<{ text: string; samples: Sample[] }> => {
      const text = await (await fetch(`http://${gw.endpoints.admin}/metrics`)).text();
      return { text, samples: parseExposition(text) };
    };

    const bodies = [gaugePointsRequest(50, 'a'), gaugePointsRequest(20, 'b')];
    await post(otlp, bodies[0]!);
    await eventually(async () => (backend.seen.length >= 1 ? true : undefined), 10_000, 'the first write');
    await post(otlp, bodies[1]!);
    await eventually(async () => (backend.seen.length >= 2 ? true : undefined), 10_000, 'the second write');

    // Every write the backend answered is one send in the histogram (the exporter may spread a batch over several writes).
    const sends = (m: { samples: Sample[] }, outcome: string) => find(m.samples, 'switchyard_exporter_send_duration_seconds_count', { ...exporter, outcome })[0]?.value ?? 0;
    const { text, samples } = await eventually(async () => {
      const m = await metrics();
      return sends(m, 'failure') + sends(m, 'success') === backend.seen.length ? m : undefined;
    }, 10_000, 'every write in the send histogram');
    expect(valueOf(samples, 'switchyard_receiver_request_size_bytes_count', receiver)).toBe(2);
    expect(valueOf(samples, 'switchyard_receiver_request_size_bytes_sum', receiver)).toBe(Buffer.byteLength(bodies[0]!) + Buffer.byteLength(bodies[1]!));
    expect(valueOf(samples, 'switchyard_receiver_request_duration_seconds_count', receiver)).toBe(2);
    const answered = valueOf(samples, 'switchyard_receiver_request_duration_seconds_sum', receiver);
    expect(answered).toBeGreaterThan(0);
    expect(answered).toBeLessThan(5);
    expect(sends({ samples }, 'failure')).toBe(1);
    expect(sends({ samples }, 'success')).toBe(backend.seen.length - 1);
    const sending = valueOf(samples, 'switchyard_exporter_send_duration_seconds_sum', { ...exporter, outcome: 'success' });
    expect(sending).toBeGreaterThan(0);
    expect(sending).toBeLessThan(5);
    expect(promtoolCheckMetrics(text).problems).toEqual([]);

    writeFileSync(t.path('gateway.yaml'), gatewayYaml(backend.url, 'normal'));
    const mark = gw.logs.length;
    gw.child.kill('SIGHUP');
    await gw.waitForLog((l) => gw.logs.indexOf(l) >= mark && l.msg === 'Configuration reloaded.');
    await post(otlp, gaugePointsRequest(5, 'c'));

    const after = await metrics();
    for (const name of ['switchyard_receiver_request_duration_seconds', 'switchyard_receiver_request_size_bytes', 'switchyard_exporter_send_duration_seconds']) {
      expect(after.text).not.toContain(name);
    }
    expect(valueOf(after.samples, 'switchyard_receiver_accepted_points_total', receiver)).toBe(75);
  }, 60_000);
});

/**
 * Every kind of intake and delivery at level detailed: OTLP in, published to JetStream by the `nats`
 * exporter and consumed back by the `nats` receiver; a `prometheus` receiver scraping a page; a
 * `hostmetrics` receiver; out through the `log` and the `prometheus` exporters.
 */
const everyComponentYaml = (nats: string, target: string, logPath: string) => `receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:0" }
  nats: { url: "${nats}", partition_count: 1, partitions: [0] }
  prometheus:
    config:
      scrape_configs:
        - job_name: page
          scrape_interval: 200ms
          static_configs: [{ targets: ["${target}"] }]
  hostmetrics:
    collection_interval: 200ms
    initial_delay: 0s
    scrapers: { load: {} }
exporters:
  nats: { url: "${nats}", partition_count: 1, batch_send_deadline: 50ms }
  log: { path: "${logPath}" }
  prometheus: { endpoint: "127.0.0.1:0" }
service:
  admin: { endpoint: "127.0.0.1:0" }
  telemetry:
    metrics: { level: detailed }
  pipelines:
    metrics/in: { receivers: [otlp], exporters: [nats] }
    metrics/out: { receivers: [nats, prometheus, hostmetrics], exporters: [log, prometheus] }
`;

describe('service.telemetry.metrics.level: detailed, for every receiver and exporter', () => {
  it('times the nats, prometheus and hostmetrics receivers’ intake (with the bytes of a message or a page) and the log and prometheus exporters’ deliveries', async () => {
    const nats = await startNatsServer();
    cleanups.push(() => nats.close());
    const PAGE = '# TYPE page_up gauge\npage_up 1\n';
    const page = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(PAGE));
    await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => page.close(resolve)));
    const t = tempFiles({ 'gateway.yaml': '' });
    cleanups.push(t.cleanup);
    writeFileSync(t.path('gateway.yaml'), everyComponentYaml(nats.url, `127.0.0.1:${(page.address() as AddressInfo).port}`, t.path('out.jsonl')));
    const gw = await startGateway(t.path('gateway.yaml'));
    cleanups.push(() => gw.stop());

    const body = gaugePointsRequest(10, 'a');
    await post(gw.endpoints['otlp.http']!, body);
    await fetch(`http://${gw.endpoints.prometheus}/metrics`).then((r) => r.text());

    const count = (samples: Sample[], name: string, labels: Record<string, string>) => find(samples, name, labels).reduce((n, s) => n + s.value, 0);
    const { text, samples } = await eventually(async () => {
      const text = await (await fetch(`http://${gw.endpoints.admin}/metrics`)).text();
      const samples = parseExposition(text);
      const ready =
        count(samples, 'switchyard_receiver_request_duration_seconds_count', { component: 'nats' }) >= 1 &&
        count(samples, 'switchyard_receiver_request_duration_seconds_count', { component: 'prometheus' }) >= 1 &&
        count(samples, 'switchyard_receiver_request_duration_seconds_count', { component: 'hostmetrics' }) >= 1 &&
        count(samples, 'switchyard_exporter_send_duration_seconds_count', { component: 'log' }) >= 1 &&
        count(samples, 'switchyard_exporter_send_duration_seconds_count', { component: 'prometheus' }) >= 1;
      return ready ? { text, samples } : undefined;
    }, 20_000, 'a request of each receiver and a send of each exporter in the histograms');

    // Sizes: a JetStream message is the OTLP protobuf the nats exporter published; a scrape is the page's bytes.
    const natsMessages = count(samples, 'switchyard_receiver_request_size_bytes_count', { component: 'nats', signal: 'metrics', transport: 'nats' });
    expect(natsMessages).toBeGreaterThanOrEqual(1);
    expect(count(samples, 'switchyard_receiver_request_size_bytes_sum', { component: 'nats' })).toBeGreaterThan(0);
    const scrapes = count(samples, 'switchyard_receiver_request_size_bytes_count', { component: 'prometheus', signal: 'metrics', transport: 'http' });
    expect(scrapes).toBeGreaterThanOrEqual(1);
    expect(count(samples, 'switchyard_receiver_request_size_bytes_sum', { component: 'prometheus' })).toBe(scrapes * Buffer.byteLength(PAGE));
    // A collection has no body: timed, no size.
    expect(count(samples, 'switchyard_receiver_request_duration_seconds_count', { component: 'hostmetrics', signal: 'metrics', transport: 'scrape' })).toBeGreaterThanOrEqual(1);
    expect(find(samples, 'switchyard_receiver_request_size_bytes_count', { component: 'hostmetrics' })).toEqual([]);
    expect(count(samples, 'switchyard_exporter_send_duration_seconds_count', { component: 'log', signal: 'metrics', outcome: 'success' })).toBeGreaterThanOrEqual(1);
    expect(count(samples, 'switchyard_exporter_send_duration_seconds_count', { component: 'prometheus', signal: 'metrics', outcome: 'success' })).toBeGreaterThanOrEqual(1);
    for (const component of ['nats', 'prometheus', 'hostmetrics']) {
      const took = count(samples, 'switchyard_receiver_request_duration_seconds_sum', { component });
      expect(took, component).toBeGreaterThan(0);
      expect(took, component).toBeLessThan(60);
    }
    expect(promtoolCheckMetrics(text).problems).toEqual([]);
  }, 60_000);
});
