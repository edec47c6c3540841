import { createServer, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultBackendPort, loadbalancingConfigSchema } from '../../../exporters/loadbalancing/config.ts';
import { LoadbalancingExporter } from '../../../exporters/loadbalancing/loadbalancing-exporter.ts';
import type { Lookup } from '../../../exporters/loadbalancing/resolver.ts';
import { decodeMetricsProto } from '../../../src/otlp/decode/index.ts';
import type { MetricsBatch } from '../../../src/model/metrics.ts';
import { eventually, freePort } from '../../helpers/prometheus-server.ts';
import { silentSettings } from '../../helpers/silent-settings.ts';

/** A real OTLP/HTTP endpoint on `host:port` that records the `series` attribute of every point it accepts. */
interface Backend {
  name: string;
  seen: string[];
  /** While set, answers 503 (a backend that is up but failing). */
  failing: boolean;
  close(): Promise<void>;
}

async function backend(host: string, port: number): Promise<Backend> {
  const b: Backend = { name: `${host}:${port}`, seen: [], failing: false, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (b.failing) return void res.writeHead(503).end();
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(Buffer.concat(chunks)) : Buffer.concat(chunks);
      const { batch } = decodeMetricsProto(body);
      for (const rm of batch.resourceMetrics) for (const sm of rm.scopeMetrics) for (const m of sm.metrics) for (const p of m.points) b.seen.push(String(p.attributes.series));
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  b.close = () => new Promise((resolve) => server.close(() => resolve()));
  return b;
}

function batch(n: number, tag: string): MetricsBatch {
  return {
    resourceMetrics: [
      {
        resource: { attributes: { 'service.name': 'svc' } },
        schemaUrl: '',
        scopeMetrics: [{ scope: { name: '', version: '', attributes: {} }, schemaUrl: '', metrics: [{ type: 'gauge', name: 'g', description: '', unit: '', points: Array.from({ length: n }, (_, i) => ({ attributes: { series: `${tag}${i}` }, startTimeUnixNano: 0, timeUnixNano: 1e18, flags: 0, value: i })) }] }],
      },
    ],
  };
}

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

const fastRetry = { initial_interval: '50ms', max_interval: '100ms', max_elapsed_time: '0s' };

describe('loadbalancing exporter', () => {
  it('follows a DNS name: each address answered (a headless Service\'s pods) is a backend on the configured port', async () => {
    const port = await freePort();
    const a = await backend('127.0.0.1', port);
    const b = await backend('127.0.0.2', port);
    open.push(a, b);
    let answer = [{ address: '127.0.0.1', family: 4 }];
    const lookup: Lookup = async () => answer;
    const config = loadbalancingConfigSchema.parse({ protocol: { otlp: { batch_send_deadline: '20ms', retry_on_failure: fastRetry } }, resolver: { dns: { hostname: 'gateway-headless', port, interval: '50ms' } } });
    const exporter = new LoadbalancingExporter(silentSettings('loadbalancing'), config, lookup);
    open.push({ close: () => exporter.shutdown() });
    await exporter.start();
    expect(exporter.members).toEqual([a.name]);
    answer = [{ address: '127.0.0.1', family: 4 }, { address: '127.0.0.2', family: 4 }];
    await eventually(async () => (exporter.members.length === 2 ? true : undefined), 5000, 'the second address joining');
    await exporter.consumeMetrics(batch(200, 's'));
    await eventually(async () => (a.seen.length + b.seen.length === 200 ? true : undefined), 5000, 'delivery');
    expect(a.seen.length).toBeGreaterThan(0);
    expect(b.seen.length).toBeGreaterThan(0);
    expect(new Set([...a.seen, ...b.seen]).size).toBe(200);
  });

  it('keeps the last backends when the DNS name stops resolving', async () => {
    const port = await freePort();
    let fail = false;
    const lookup: Lookup = async () => {
      if (fail) throw new Error('ENOTFOUND');
      return [{ address: '127.0.0.1', family: 4 }];
    };
    const config = loadbalancingConfigSchema.parse({ resolver: { dns: { hostname: 'gone', port, interval: '20ms' } } });
    const exporter = new LoadbalancingExporter(silentSettings('loadbalancing'), config, lookup);
    open.push({ close: () => exporter.shutdown() });
    await exporter.start();
    fail = true;
    await new Promise((r) => setTimeout(r, 150));
    expect(exporter.members).toEqual([`127.0.0.1:${port}`]);
  });

  it('re-routes the queued points of a backend that leaves, and sends it nothing new', async () => {
    const port = await freePort();
    const a = await backend('127.0.0.1', port);
    const b = await backend('127.0.0.2', port);
    open.push(a, b);
    b.failing = true;
    let answer = [{ address: '127.0.0.1', family: 4 }, { address: '127.0.0.2', family: 4 }];
    const config = loadbalancingConfigSchema.parse({ protocol: { otlp: { batch_send_deadline: '20ms', retry_on_failure: fastRetry } }, resolver: { dns: { hostname: 'h', port, interval: '50ms' } } });
    const exporter = new LoadbalancingExporter(silentSettings('loadbalancing'), config, async () => answer);
    open.push({ close: () => exporter.shutdown() });
    await exporter.start();
    await exporter.consumeMetrics(batch(200, 's'));
    await eventually(async () => (a.seen.length > 0 && a.seen.length < 200 ? true : undefined), 5000, 'the healthy backend receiving its share');
    const stuck = 200 - a.seen.length;
    expect(stuck).toBeGreaterThan(0);
    answer = [{ address: '127.0.0.1', family: 4 }];
    await eventually(async () => (a.seen.length === 200 ? true : undefined), 5000, 'the failing backend\'s points re-routed');
    b.failing = false;
    await exporter.consumeMetrics(batch(50, 'late'));
    await eventually(async () => (a.seen.length === 250 ? true : undefined), 5000, 'new points');
    expect(b.seen).toEqual([]);
    expect(new Set(a.seen).size).toBe(250);
  });

  it('refuses a batch with a retryable error while it has no backend', async () => {
    const config = loadbalancingConfigSchema.parse({ resolver: { dns: { hostname: 'none', interval: '1s' } } });
    const exporter = new LoadbalancingExporter(silentSettings('loadbalancing'), config, async () => {
      throw new Error('ENOTFOUND');
    });
    open.push({ close: () => exporter.shutdown() });
    await exporter.start();
    await expect(exporter.consumeMetrics(batch(1, 's'))).rejects.toMatchObject({ retryable: true });
  });
});

describe('loadbalancing exporter config', () => {
  it('leaves the routing key to each signal\'s default (streamID, traceID), OTLP/HTTP with gzip, and port 4318', () => {
    const c = loadbalancingConfigSchema.parse({ resolver: { static: { hostnames: ['a'] } } });
    expect(c.routing_key).toBeUndefined();
    expect(c.protocol.otlp.compression).toBe('gzip');
    expect(defaultBackendPort(c.protocol.otlp)).toBe(4318);
  });

  it('refuses both resolvers, or neither', () => {
    expect(loadbalancingConfigSchema.safeParse({ resolver: {} }).success).toBe(false);
    expect(loadbalancingConfigSchema.safeParse({ resolver: { static: { hostnames: ['a'] }, dns: { hostname: 'b' } } }).success).toBe(false);
  });

  it('takes transport: grpc, whose backends default to the OTLP/gRPC port 4317 (an explicit default_port wins)', () => {
    const grpc = loadbalancingConfigSchema.parse({ protocol: { otlp: { transport: 'grpc' } }, resolver: { static: { hostnames: ['a'] } } });
    expect(defaultBackendPort(grpc.protocol.otlp)).toBe(4317);
    const explicit = loadbalancingConfigSchema.parse({ protocol: { otlp: { transport: 'grpc', default_port: 5317 } }, resolver: { static: { hostnames: ['a'] } } });
    expect(defaultBackendPort(explicit.protocol.otlp)).toBe(5317);
    expect(loadbalancingConfigSchema.safeParse({ protocol: { otlp: { transport: 'quic' } }, resolver: { static: { hostnames: ['a'] } } }).success).toBe(false);
  });

  it('refuses a persistent queue', () => {
    const r = loadbalancingConfigSchema.safeParse({ protocol: { otlp: { sending_queue: { storage: { directory: '/tmp/q' } } } }, resolver: { static: { hostnames: ['a'] } } });
    expect(r.success).toBe(false);
  });
});
