import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { eventually, freePort } from '../helpers/prometheus-server.ts';
import { remoteWriteReceiver, type RemoteWriteReceiver } from '../helpers/remote-write-receiver.ts';
import { find, parseExposition, valueOf } from '../helpers/prom-text.ts';
import { sdkService } from '../helpers/sdk-service.ts';
import { selfTracingTelemetry, spanLines } from '../helpers/own-spans.ts';
import { tempFiles } from '../helpers/temp-files.ts';

/** B: a central gateway whose pipeline serves what it receives on its scrape endpoint (the `:8889` of the shipped config). */
const central = `receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:0" }
exporters:
  prometheus: { endpoint: "127.0.0.1:0" }
service:
  admin: { endpoint: "127.0.0.1:0" }
  pipelines:
    metrics: { receivers: [otlp], exporters: [prometheus] }
`;

/** A: an edge gateway pushing its own metrics to B every 300 ms, and serving them on a pull reader too. */
const edge = (centralOtlp: string) => `receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:0" }
exporters:
  prometheus: { endpoint: "127.0.0.1:0" }
service:
  admin: { endpoint: "127.0.0.1:0" }
  telemetry:
    resource:
      deployment.environment.name: e2e
    metrics:
      level: normal
      readers:
        - periodic:
            interval: 300
            exporter:
              otlp:
                protocol: http/protobuf
                endpoint: http://${centralOtlp}
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: 0
  pipelines:
    metrics: { receivers: [otlp], exporters: [prometheus] }
`;

let a: GatewayProcess;
let b: GatewayProcess;
let cleanup: () => void;

beforeAll(async () => {
  const t = tempFiles({ 'b.yaml': central });
  cleanup = t.cleanup;
  b = await startGateway(t.path('b.yaml'));
  writeFileSync(t.path('a.yaml'), edge(b.endpoints['otlp.http']!));
  a = await startGateway(t.path('a.yaml'));
});

afterAll(async () => {
  await a?.stop();
  await b?.stop();
  cleanup?.();
});

const scrape = async (endpoint: string) => (await fetch(`http://${endpoint}/metrics`)).text();

describe('the gateway’s own telemetry (service.telemetry)', () => {
  it('pushes gateway A’s switchyard_receiver_accepted_points_total to gateway B, which serves it with A’s service.instance.id as instance', async () => {
    const service = sdkService(a.endpoints['otlp.http']!, 'e2e-client');
    const counter = service.meter.createCounter('client.requests');
    for (let i = 0; i < 7; i++) counter.add(1, { route: `/r${i}` });
    await service.flush(); // once: shutdown would export the same points again
    const sent = service.exported.length;
    expect(sent).toBe(7);

    const instance = a.logs.find((l) => l.msg === 'Gateway started.')!.instance as string;
    expect(instance).toMatch(/^[0-9a-f-]{36}$/);
    const labels = { component: 'otlp', signal: 'metrics', transport: 'http', job: 'switchyard', instance };
    const value = await eventually(async () => {
      const samples = parseExposition(await scrape(b.endpoints.prometheus!));
      const found = find(samples, 'switchyard_receiver_accepted_points_total', labels);
      return found.length === 1 && found[0]!.value === sent ? found[0]!.value : undefined;
    }, 15_000, `A's accepted count of ${sent} at B`);
    expect(value).toBe(sent);

    // The rest of A's resource is on B's target_info for that instance.
    const samples = parseExposition(await scrape(b.endpoints.prometheus!));
    const target = find(samples, 'target_info', { job: 'switchyard', instance });
    expect(target).toHaveLength(1);
    expect(target[0]!.labels).toMatchObject({ deployment_environment_name: 'e2e', service_version: expect.any(String), host_name: expect.any(String) });
    // B counts what it received from A under its own name only: B pushes nothing, so nothing of B's is there.
    expect(find(samples, 'switchyard_receiver_accepted_points_total').every((s) => s.labels.instance === instance)).toBe(true);
    await service.shutdown();
  });

  it('serves the same counts on the pull reader, with the resource on target_info, and promtool check metrics accepts it', async () => {
    const text = await scrape(a.endpoints['telemetry.metrics.pull']!);
    const samples = parseExposition(text);
    const admin = parseExposition(await scrape(a.endpoints.admin!));
    const labels = { component: 'otlp', signal: 'metrics', transport: 'http' };
    expect(valueOf(samples, 'switchyard_receiver_accepted_points_total', labels)).toBe(valueOf(admin, 'switchyard_receiver_accepted_points_total', labels));
    expect(find(samples, 'target_info')[0]!.labels).toMatchObject({ service_name: 'switchyard', deployment_environment_name: 'e2e' });
    expect(find(samples, 'switchyard_process_resident_memory_bytes')).toHaveLength(1);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(`${check.stdout}${check.stderr}`).toBe('');
    expect(check.status).toBe(0);
  });
});

describe('the gateway’s own telemetry with --workers 2', () => {
  it('pushes the counts kept in the worker threads too: A’s exporter sent-points reach B exactly', async () => {
    const t = tempFiles({ 'a2.yaml': edge(b.endpoints['otlp.http']!) });
    const a2 = await startGateway(t.path('a2.yaml'), {}, 40_000, ['--workers', '2']);
    try {
      const service = sdkService(a2.endpoints['otlp.http']!, 'e2e-workers-client');
      const counter = service.meter.createCounter('client.requests');
      for (let i = 0; i < 5; i++) counter.add(1, { route: `/w${i}` });
      await service.flush();
      expect(service.exported.length).toBe(5);
      const instance = a2.logs.find((l) => l.msg === 'Gateway started.')!.instance as string;
      // The prometheus exporter runs in a worker: its count lives there, not in the main thread's registry.
      const labels = { component: 'prometheus', signal: 'metrics', job: 'switchyard', instance };
      const value = await eventually(async () => {
        const found = find(parseExposition(await scrape(b.endpoints.prometheus!)), 'switchyard_exporter_sent_points_total', labels);
        return found.length === 1 && found[0]!.value === 5 ? 5 : undefined;
      }, 15_000, 'the workers’ exporter count at B');
      expect(value).toBe(5);
      await service.shutdown();
    } finally {
      await a2.stop();
      t.cleanup();
    }
  }, 60_000);
});

/**
 * C: a gateway tracing itself into itself. Its spans go to its own OTLP/HTTP port, through its traces
 * pipeline, to a log file; its remote-write exporter sends to a backend that answers 503 once.
 */
const selfTracing = (otlpPort: number, logFile: string, remoteWrite: string) => `receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:${otlpPort}" }
exporters:
  log: { path: "${logFile}", verbosity: detailed }
  prometheusremotewrite:
    endpoint: ${remoteWrite}
    batch_send_deadline: 100ms
    retry_on_failure: { initial_interval: 100ms, max_interval: 200ms }
service:
  admin: { endpoint: "127.0.0.1:0" }
${selfTracingTelemetry(otlpPort)}  pipelines:
    metrics: { receivers: [otlp], exporters: [prometheusremotewrite] }
    traces: { receivers: [otlp], exporters: [log] }
`;

describe('the gateway’s own traces (service.telemetry.traces)', () => {
  let c: GatewayProcess;
  let backend: RemoteWriteReceiver;
  let logFile: string;
  let cleanupC: () => void;

  beforeAll(async () => {
    const t = tempFiles({});
    cleanupC = t.cleanup;
    logFile = t.path('spans.jsonl');
    backend = await remoteWriteReceiver((_req, i) => (i === 0 ? { status: 503, body: 'warming up' } : { status: 204 }));
    writeFileSync(t.path('c.yaml'), selfTracing(await freePort(), logFile, backend.url));
    c = await startGateway(t.path('c.yaml'));
  });

  afterAll(async () => {
    await c?.stop();
    await backend?.close();
    cleanupC?.();
  });

  const spans = () => spanLines(logFile);

  it('traces each received request and each send with its retries, and never traces the export of its own spans', async () => {
    const service = sdkService(c.endpoints['otlp.http']!, 'e2e-client');
    service.meter.createCounter('client.requests').add(1);
    await service.flush();

    // The exporter's shards may send the point and target_info apart: the backend's 503 hits one request.
    const send = await eventually(async () => spans().find((s) => s.name === 'send metrics' && s.attributes.retries !== undefined), 15_000, 'a retried send span');
    expect(backend.seen.length).toBe(spans().filter((s) => s.name === 'send metrics').length + 1);
    expect(send).toMatchObject({ kind: 'client', status: 'unset', attributes: { retries: 1, 'switchyard.component': 'prometheusremotewrite', 'switchyard.signal': 'metrics' } });
    expect(send.resource).toMatchObject({ 'service.name': 'switchyard', 'service.instance.id': c.logs.find((l) => l.msg === 'Gateway started.')!.instance });
    const received = spans().filter((s) => s.name === 'receive metrics');
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ kind: 'server', status: 'unset', attributes: { 'switchyard.component': 'otlp' } });

    // Its span exports reached it (they are in the file) but made no span of their own: several batch
    // delays later there is still no "receive traces" span, so nothing feeds itself.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(spans().filter((s) => s.name === 'receive traces')).toEqual([]);
    expect(spans().filter((s) => s.name === 'receive metrics')).toHaveLength(1);
    await service.shutdown();
  });
});

describe('switchyard validate on service.telemetry', () => {
  it('accepts the Collector’s examples and names, at their lines, the Collector settings it does not support', async () => {
    const t = tempFiles({
      'ok.yaml': central.replace('service:\n', `service:
  telemetry:
    metrics:
      level: detailed
      readers:
        - pull: { exporter: { prometheus: { host: '127.0.0.1', port: 0 } } }
        - periodic: { exporter: { otlp: { protocol: http/protobuf, endpoint: https://backend:4318 } } }
    logs:
      level: DEBUG
`),
      'unsupported.yaml': central.replace('service:\n', `service:
  telemetry:
    logs:
      output_paths: [stdout]
`),
    });
    try {
      const ok = await runCli(['validate', '--config', t.path('ok.yaml')]);
      expect(ok).toMatchObject({ code: 0, stderr: '' });
      const refused = await runCli(['validate', '--config', t.path('unsupported.yaml')]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`${t.path('unsupported.yaml')}:10:7: service.telemetry.logs.output_paths: a setting of the OpenTelemetry Collector that Switchyard does not support`);
    } finally {
      t.cleanup();
    }
  }, 60_000);
});
