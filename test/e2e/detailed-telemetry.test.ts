import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway } from '../helpers/gateway-process.ts';
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
