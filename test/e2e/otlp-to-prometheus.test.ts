import { spawnSync } from 'node:child_process';
import type { Meter } from '@opentelemetry/api';
import { OTLPMetricExporter as GrpcExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as JsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { parseExposition, valueOf, type Sample } from '../helpers/prom-text.ts';
import { tempFiles } from '../helpers/temp-files.ts';

const CONFIG = `receivers:
  otlp:
    protocols:
      grpc: { endpoint: "127.0.0.1:0" }
      http: { endpoint: "127.0.0.1:0" }
exporters:
  prometheus: { endpoint: "127.0.0.1:0" }
service:
  admin: { endpoint: "127.0.0.1:0" }
  pipelines:
    metrics: { receivers: [otlp], exporters: [prometheus] }
`;

type Protocol = 'http/json' | 'http/protobuf' | 'grpc';
type Temporality = 'cumulative' | 'delta';

let gateway: GatewayProcess;
let cleanup: () => void;

beforeAll(async () => {
  const t = tempFiles({ 'gateway.yaml': CONFIG });
  cleanup = t.cleanup;
  gateway = await startGateway(t.path('gateway.yaml'));
});

afterAll(async () => {
  await gateway?.stop();
  cleanup?.();
});

function exporterFor(protocol: Protocol, temporality: Temporality): PushMetricExporter {
  const temporalityPreference = temporality === 'delta' ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE;
  switch (protocol) {
    case 'http/json':
      return new JsonExporter({ url: `http://${gateway.endpoints['otlp.http']}/v1/metrics`, temporalityPreference });
    case 'http/protobuf':
      return new ProtoExporter({ url: `http://${gateway.endpoints['otlp.http']}/v1/metrics`, temporalityPreference });
    case 'grpc':
      return new GrpcExporter({ url: `http://${gateway.endpoints['otlp.grpc']}`, temporalityPreference });
  }
}

/** Records the same instruments a service would, in two export rounds. */
async function sendTwoRounds(protocol: Protocol, temporality: Temporality, service: string): Promise<void> {
  const reader = new PeriodicExportingMetricReader({ exporter: exporterFor(protocol, temporality), exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': service, 'service.instance.id': 'i-1', 'deployment.environment.name': 'e2e' }), readers: [reader] });
  const meter: Meter = provider.getMeter('e2e-meter', '1.2.3');
  const requests = meter.createCounter('e2e.requests', { description: 'Requests served.' });
  const inflight = meter.createUpDownCounter('e2e.inflight', { description: 'Requests in flight.' });
  const memoryUsed = meter.createGauge('e2e.memory.used', { unit: 'By', description: 'Memory in use.' });
  const latency = meter.createHistogram('e2e.latency', { unit: 's', description: 'Request latency.', advice: { explicitBucketBoundaries: [0.1, 0.5, 1] } });

  requests.add(10, { route: '/a' });
  requests.add(3, { route: '/b' });
  inflight.add(5);
  memoryUsed.record(1000);
  latency.record(0.05, { route: '/a' });
  latency.record(0.7, { route: '/a' });
  await reader.forceFlush();

  requests.add(5, { route: '/a' });
  inflight.add(-2);
  memoryUsed.record(2048);
  latency.record(2, { route: '/a' });
  await reader.forceFlush();
  await provider.shutdown();
}

async function scrape(): Promise<{ text: string; samples: Sample[] }> {
  const res = await fetch(`http://${gateway.endpoints.prometheus}/metrics`);
  expect(res.status).toBe(200);
  const text = await res.text();
  return { text, samples: parseExposition(text) };
}

describe('OTLP from the real SDK to the Prometheus scrape endpoint', () => {
  const cases: [Protocol, Temporality][] = [
    ['http/json', 'cumulative'],
    ['http/protobuf', 'cumulative'],
    ['grpc', 'cumulative'],
    ['http/json', 'delta'],
    ['http/protobuf', 'delta'],
    ['grpc', 'delta'],
  ];

  for (const [protocol, temporality] of cases) {
    it(`serves counters, up-down counters, gauges and histograms sent over ${protocol} with ${temporality} temporality`, async () => {
      const job = `svc-${protocol.replace('/', '-')}-${temporality}`;
      await sendTwoRounds(protocol, temporality, job);
      const { samples } = await scrape();
      const base = { job, instance: 'i-1', otel_scope_name: 'e2e-meter', otel_scope_version: '1.2.3' };

      expect(valueOf(samples, 'e2e_requests_total', { ...base, route: '/a' })).toBe(15);
      expect(valueOf(samples, 'e2e_requests_total', { ...base, route: '/b' })).toBe(3);
      expect(valueOf(samples, 'e2e_inflight', base)).toBe(3);
      expect(valueOf(samples, 'e2e_memory_used_bytes', base)).toBe(2048);

      const h = { ...base, route: '/a' };
      expect(valueOf(samples, 'e2e_latency_seconds_count', h)).toBe(3);
      expect(valueOf(samples, 'e2e_latency_seconds_sum', h)).toBeCloseTo(2.75, 10);
      expect(valueOf(samples, 'e2e_latency_seconds_bucket', { ...h, le: '0.1' })).toBe(1);
      expect(valueOf(samples, 'e2e_latency_seconds_bucket', { ...h, le: '0.5' })).toBe(1);
      expect(valueOf(samples, 'e2e_latency_seconds_bucket', { ...h, le: '1' })).toBe(2);
      expect(valueOf(samples, 'e2e_latency_seconds_bucket', { ...h, le: '+Inf' })).toBe(3);
    });
  }

  it('describes each service in target_info, and the scrape passes promtool check metrics with no warning', async () => {
    const { text, samples } = await scrape();
    expect(valueOf(samples, 'target_info', { job: 'svc-grpc-delta', instance: 'i-1', deployment_environment_name: 'e2e' })).toBe(1);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(`${check.stdout}${check.stderr}`).toBe('');
    expect(check.status).toBe(0);
  });

  it('counts what it accepted in its own telemetry, by transport', async () => {
    const res = await fetch(`http://${gateway.endpoints.admin}/metrics`);
    const samples = parseExposition(await res.text());
    for (const transport of ['http', 'grpc']) {
      const accepted = samples.filter((s) => s.name === 'switchyard_receiver_accepted_points_total' && s.labels.transport === transport && s.labels.signal === 'metrics');
      expect(accepted.reduce((sum, s) => sum + s.value, 0), transport).toBeGreaterThan(0);
    }
  });
});
