import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinRegistry } from '../../src/components.ts';
import { loadConfig } from '../../src/config/load.ts';
import { resolveConfig } from '../../src/config/resolve.ts';
import type { Gateway } from '../../src/gateway.ts';
import { MemoryFigures, memoryInUse, threadMemory, useProcessFigures } from '../../src/telemetry/memory-in-use.ts';
import { memoryBoundOf } from '../../src/workers/memory-admission.ts';
import { driveGrpcLoad, driveLoad, loadBody } from '../helpers/otlp-load.ts';
import { eventually } from '../helpers/prometheus-server.ts';
import { startPooledGateway, type PooledGateway } from '../helpers/pooled-gateway.ts';
import { find, parseExposition } from '../helpers/prom-text.ts';
import { tempFiles } from '../helpers/temp-files.ts';

const MIB = 1024 * 1024;

describe('MemoryFigures', () => {
  it('sums every thread\'s published figure, and a cleared slot counts nothing', () => {
    const buffer = MemoryFigures.allocate(2);
    const main = new MemoryFigures(buffer, 0);
    const worker = new MemoryFigures(buffer, 2);
    const own = main.publish();
    expect(own).toBeGreaterThan(0);
    // Both measure this thread here: the process's figure is the two slots together.
    const both = worker.publish();
    expect(both).toBeGreaterThanOrEqual(own + threadMemory() / 2);
    worker.clear(2);
    expect(main.total()).toBeLessThan(both);
  });

  it('is what memoryInUse measures once a thread uses it; a thread\'s own figure before', () => {
    const buffer = MemoryFigures.allocate(1);
    const other = new Int32Array(buffer);
    Atomics.store(other, 1, 300 * 1024); // another thread holding 300 MiB
    expect(memoryInUse()).toBeLessThan(threadMemory() + 100 * MIB);
    useProcessFigures(new MemoryFigures(buffer, 0));
    try {
      expect(memoryInUse()).toBeGreaterThanOrEqual(300 * MIB);
    } finally {
      useProcessFigures(undefined);
    }
  });
});

describe('memoryBoundOf', () => {
  it('is the lowest memory_limiter soft limit of the pipelines a receiver feeds, through connectors', () => {
    const files = tempFiles({
      'gateway.yaml': `receivers:
  otlp: { protocols: { http: { endpoint: "127.0.0.1:0" } } }
  otlp/free: { protocols: { http: { endpoint: "127.0.0.1:0" } } }
processors:
  memory_limiter: { limit_mib: 500, spike_limit_mib: 100 }
  memory_limiter/low: { limit_mib: 300, spike_limit_mib: 50 }
connectors:
  spanmetrics: {}
exporters:
  log: { path: stderr }
service:
  pipelines:
    traces: { receivers: [otlp], processors: [memory_limiter], exporters: [spanmetrics] }
    metrics: { receivers: [spanmetrics], processors: [memory_limiter/low], exporters: [log] }
    metrics/free: { receivers: [otlp/free], exporters: [log] }
`,
    });
    try {
      const config = resolveConfig(loadConfig(files.path('gateway.yaml'), {}), builtinRegistry());
      expect(memoryBoundOf(config, 'otlp')).toBe(250 * MIB);
      expect(memoryBoundOf(config, 'spanmetrics')).toBe(250 * MIB);
      expect(memoryBoundOf(config, 'otlp/free')).toBeUndefined();
    } finally {
      files.cleanup();
    }
  });
});

describe('--workers 2 with the process over the memory limit', () => {
  let pooled: PooledGateway;
  let gateway: Gateway;
  // What the main thread holds beyond its usual: a worker's limiter must count it.
  let held: Buffer | undefined;

  beforeAll(async () => {
    pooled = await startPooledGateway((path) => `receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:0" }
      grpc: { endpoint: "127.0.0.1:0" }
processors:
  memory_limiter: { check_interval: 100ms, limit_mib: 1 }
exporters:
  log: { path: "${path('out.jsonl')}" }
service:
  admin: { endpoint: "127.0.0.1:0" }
  telemetry: { logs: { level: error } }
  pipelines:
    metrics: { receivers: [otlp], processors: [memory_limiter], exporters: [log] }
`);
    gateway = pooled.gateway;
  }, 60_000);
  afterAll(async () => {
    held = undefined;
    await pooled?.stop();
  });

  const admin = () => `http://${gateway.endpoints().admin}`;

  it('refuses in the main thread, before a body reaches a worker, as the limiter answers: 503 with Retry-After, UNAVAILABLE with RetryInfo', async () => {
    const body = await loadBody(1, 10);
    const http = await driveLoad({ url: `http://${gateway.endpoints()['otlp.http']}/v1/metrics`, body, durationMs: 300, connections: 1 });
    const grpc = await driveGrpcLoad({ url: gateway.endpoints()['otlp.grpc']!, body, durationMs: 300, connections: 1 });
    expect(Object.keys(http.statuses)).toEqual(['503']);
    expect(Object.keys(grpc.statuses)).toEqual(['UNAVAILABLE']);
    expect(http.throttledWithoutRetryAfter + grpc.throttledWithoutRetryAfter).toBe(0);

    const scrape = parseExposition(await (await fetch(`${admin()}/metrics`)).text());
    const refused = (transport: string) => find(scrape, 'switchyard_receiver_refused_requests_total', { component: 'otlp', transport, reason: 'memory_limit' }).reduce((n, s) => n + s.value, 0);
    expect(refused('http')).toBe(http.latenciesMs.length);
    expect(refused('grpc')).toBe(grpc.latenciesMs.length);
    // Nothing reached a worker: no limiter there refused a point.
    expect(find(scrape, 'switchyard_processor_refused_points_total', { reason: 'memory_limit' }).reduce((n, s) => n + s.value, 0)).toBe(0);
  });

  it('measures the whole process in each worker\'s limiter: what the main thread holds counts', async () => {
    held = Buffer.alloc(200 * MIB, 1);
    await eventually(async () => {
      const detailed = (await (await fetch(`${admin()}/health/detailed`)).json()) as { components: { id: string; details: { memory_used_mib?: number } }[] };
      const limiter = detailed.components.find((c) => c.id === 'memory_limiter');
      expect(limiter?.details.memory_used_mib).toBeGreaterThanOrEqual(200);
      return true;
    });
    expect(held.length).toBe(200 * MIB);
  });
});
