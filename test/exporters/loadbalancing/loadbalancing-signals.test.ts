import { createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { loadbalancingConfigSchema } from '../../../exporters/loadbalancing/config.ts';
import { LoadbalancingExporter } from '../../../exporters/loadbalancing/loadbalancing-exporter.ts';
import { builtinRegistry } from '../../../src/components.ts';
import { formatIssue } from '../../../src/config/errors.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { checkConfig } from '../../../src/config/resolve.ts';
import type { LogsBatch } from '../../../src/model/logs.ts';
import type { TracesBatch } from '../../../src/model/traces.ts';
import { decodeLogsProto, decodeTracesProto } from '../../../src/otlp/decode/index.ts';
import { eventually } from '../../helpers/prometheus-server.ts';
import { silentSettings } from '../../helpers/silent-settings.ts';
import { tempFiles } from '../../helpers/temp-files.ts';

/** A real OTLP/HTTP endpoint recording, per path, the trace ID (or, for logs, the `n` attribute) of every span or record. */
async function backend(): Promise<{ name: string; spans: { traceId: string; spanId: string; service: string }[]; logs: string[]; paths: Set<string>; close(): Promise<void> }> {
  const b = { name: '', spans: [] as { traceId: string; spanId: string; service: string }[], logs: [] as string[], paths: new Set<string>(), close: async (): Promise<void> => undefined };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(Buffer.concat(chunks)) : Buffer.concat(chunks);
      b.paths.add(req.url!);
      if (req.url === '/v1/traces') {
        for (const rs of decodeTracesProto(body).batch.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) b.spans.push({ traceId: s.traceId, spanId: s.spanId, service: String(rs.resource.attributes['service.name']) });
      } else if (req.url === '/v1/logs') {
        for (const rl of decodeLogsProto(body).batch.resourceLogs) for (const sl of rl.scopeLogs) for (const l of sl.logRecords) b.logs.push(String(l.attributes.n));
      }
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  b.name = `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  b.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return b;
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** `traces` traces of `spansEach` spans, spread over `services` services. */
function traces(count: number, spansEach: number, services = 4): TracesBatch {
  return {
    resourceSpans: Array.from({ length: services }, (_, s) => ({
      resource: { attributes: { 'service.name': `svc-${s}` } },
      schemaUrl: '',
      scopeSpans: [
        {
          scope: { name: 't', version: '', attributes: {} },
          schemaUrl: '',
          spans: Array.from({ length: count * spansEach }, (_, i) => i)
            .filter((i) => Math.floor(i / spansEach) % services === s)
            .map((i) => ({ traceId: hex(Math.floor(i / spansEach) + 1, 32), spanId: hex(i + 1, 16), parentSpanId: '', traceState: '', name: 'op', kind: 2, startTimeUnixNano: 1e18, endTimeUnixNano: 1e18 + 1e6, attributes: {}, events: [], links: [], status: { code: 0, message: '' } })),
        },
      ],
    })),
  };
}

function logs(n: number): LogsBatch {
  return {
    resourceLogs: [
      {
        resource: { attributes: { 'service.name': 'svc' } },
        schemaUrl: '',
        scopeLogs: [{ scope: { name: 'l', version: '', attributes: {} }, schemaUrl: '', logRecords: Array.from({ length: n }, (_, i) => ({ timeUnixNano: 1e18 + i * 1000, observedTimeUnixNano: 0, severityNumber: 9, severityText: '', body: `line ${i}`, attributes: { n: i }, traceId: i % 2 ? hex(i, 32) : '', spanId: '', flags: 0, eventName: '' })) }],
      },
    ],
  };
}

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

async function fleet(routing?: string, routingAttributes?: string[]) {
  const backends = await Promise.all([backend(), backend(), backend()]);
  open.push(...backends);
  const config = loadbalancingConfigSchema.parse({ ...(routing ? { routing_key: routing } : {}), ...(routingAttributes ? { routing_attributes: routingAttributes } : {}), protocol: { otlp: { batch_send_deadline: '20ms' } }, resolver: { static: { hostnames: backends.map((b) => b.name) } } });
  const exporter = new LoadbalancingExporter(silentSettings('loadbalancing'), config);
  open.push({ close: () => exporter.shutdown() });
  await exporter.start();
  return { backends, exporter };
}

describe('loadbalancing exporter: traces and logs', () => {
  it('routes spans by trace ID by default: every span arrives once, every trace whole on one backend, all three used', async () => {
    const { backends, exporter } = await fleet();
    await exporter.consumeTraces(traces(300, 3));
    await eventually(async () => (backends.reduce((n, b) => n + b.spans.length, 0) === 900 ? true : undefined), 10_000, 'every span delivered');
    const all = backends.flatMap((b) => b.spans.map((s) => s.spanId));
    expect(new Set(all).size).toBe(900);
    for (const b of backends) {
      expect(b.spans.length).toBeGreaterThan(150);
      expect([...b.paths]).toEqual(['/v1/traces']);
      const mine = new Set(b.spans.map((s) => s.traceId));
      for (const other of backends.filter((o) => o !== b)) expect(other.spans.some((s) => mine.has(s.traceId))).toBe(false);
    }
  });

  it('routes spans by service with routing_key: service, so a service\'s spans go where its metrics go', async () => {
    const { backends, exporter } = await fleet('service');
    await exporter.consumeTraces(traces(200, 2, 8));
    await eventually(async () => (backends.reduce((n, b) => n + b.spans.length, 0) === 400 ? true : undefined), 10_000, 'every span delivered');
    const owner = new Map<string, string>();
    for (const b of backends) {
      for (const s of b.spans) {
        expect(owner.get(s.service) ?? b.name).toBe(b.name);
        owner.set(s.service, b.name);
      }
    }
    expect(owner.size).toBe(8);
  });

  it('routes by a list of attributes with routing_key: attributes: all of one tenant\'s spans on one backend, tenants spread', async () => {
    const { backends, exporter } = await fleet('attributes', ['tenant']);
    const batch = traces(240, 1, 4);
    // The tenant is a span attribute, crossing services and traces.
    for (const rs of batch.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) s.attributes = { tenant: `t${Number.parseInt(s.spanId, 16) % 12}` };
    const tenantOf = new Map(batch.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => [s.spanId, String(s.attributes.tenant)] as const))));
    await exporter.consumeTraces(batch);
    await eventually(async () => (backends.reduce((n, b) => n + b.spans.length, 0) === 240 ? true : undefined), 10_000, 'every span delivered');
    const owner = new Map<string, string>();
    for (const b of backends) {
      for (const s of b.spans) {
        const tenant = tenantOf.get(s.spanId)!;
        expect(owner.get(tenant) ?? b.name, tenant).toBe(b.name);
        owner.set(tenant, b.name);
      }
    }
    expect(owner.size).toBe(12);
    expect(new Set(owner.values()).size).toBe(3);
  });

  it('routes log records to /v1/logs: each once, traceless ones spread too', async () => {
    const { backends, exporter } = await fleet();
    await exporter.consumeLogs(logs(600));
    await eventually(async () => (backends.reduce((n, b) => n + b.logs.length, 0) === 600 ? true : undefined), 10_000, 'every record delivered');
    expect(new Set(backends.flatMap((b) => b.logs)).size).toBe(600);
    for (const b of backends) {
      expect([...b.paths]).toEqual(['/v1/logs']);
      // Even records have no trace ID: they are spread by resource and timestamp, not piled on one backend.
      expect(b.logs.filter((n) => Number(n) % 2 === 0).length).toBeGreaterThan(30);
    }
  });
});

describe('routing key per signal, checked when the config is resolved', () => {
  const yaml = (routingKey: string, pipelines: string) => `receivers:
  otlp: { protocols: { http: { endpoint: "127.0.0.1:0" } } }
exporters:
  loadbalancing:
    routing_key: ${routingKey}
    resolver: { static: { hostnames: [a, b] } }
  nats:
    url: nats://127.0.0.1:4222
    routing_key: ${routingKey}
service:
  admin: { endpoint: "127.0.0.1:0" }
  pipelines:
${pipelines}`;

  function issues(text: string): string[] {
    const t = tempFiles({ 'gateway.yaml': text });
    try {
      return checkConfig(loadConfig(t.path('gateway.yaml'), {}), builtinRegistry()).issues.map((i) => formatIssue(i).replace(t.dir, ''));
    } finally {
      t.cleanup();
    }
  }

  it('refuses a metrics-only key in a traces pipeline, at the routing_key line of each exporter', () => {
    const found = issues(yaml('streamID', '    traces: { receivers: [otlp], exporters: [loadbalancing, nats] }\n'));
    expect(found).toEqual([
      '/gateway.yaml:5:5: exporters.loadbalancing.routing_key: routing_key "streamID" cannot route traces (for traces: traceID, service, resource, attributes); this exporter is in a traces pipeline',
      '/gateway.yaml:9:5: exporters.nats.routing_key: routing_key "streamID" cannot route traces (for traces: traceID, service, resource, attributes); this exporter is in a traces pipeline',
    ]);
  });

  it('refuses traceID in a metrics pipeline, once however many metrics pipelines use the exporter', () => {
    const found = issues(yaml('traceID', '    metrics: { receivers: [otlp], exporters: [loadbalancing] }\n    metrics/b: { receivers: [otlp], exporters: [loadbalancing] }\n'));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^\/gateway\.yaml:5:5: exporters\.loadbalancing\.routing_key: routing_key "traceID" cannot route metrics \(for metrics: service, resource, metric, streamID, attributes\)/);
  });

  it('refuses routing_key: attributes without routing_attributes, and routing_attributes with another key, at their lines', () => {
    const pipelines = '    metrics: { receivers: [otlp], exporters: [loadbalancing, nats] }\n';
    expect(issues(yaml('attributes', pipelines))).toEqual([
      '/gateway.yaml:4:3: exporters.loadbalancing.routing_attributes: routing_key "attributes" needs routing_attributes: the list of attributes to route by',
      '/gateway.yaml:7:3: exporters.nats.routing_attributes: routing_key "attributes" needs routing_attributes: the list of attributes to route by',
    ]);
    const stray = yaml('service', pipelines).replace('    routing_key: service\n    resolver', '    routing_key: service\n    routing_attributes: [tenant]\n    resolver');
    expect(issues(stray)).toEqual(['/gateway.yaml:6:5: exporters.loadbalancing.routing_attributes: routing_attributes is only read with routing_key: attributes (routing_key is service)']);
    const all = pipelines + '    traces: { receivers: [otlp], exporters: [loadbalancing, nats] }\n    logs: { receivers: [otlp], exporters: [loadbalancing, nats] }\n';
    expect(issues(yaml('attributes', all).replace(/ {4}routing_key: attributes\n/g, '    routing_key: attributes\n    routing_attributes: [tenant, region]\n'))).toEqual([]);
  });

  it('accepts service for every signal, and an unset key everywhere (each signal\'s default)', () => {
    const all = '    metrics: { receivers: [otlp], exporters: [loadbalancing, nats] }\n    traces: { receivers: [otlp], exporters: [loadbalancing, nats] }\n    logs: { receivers: [otlp], exporters: [loadbalancing, nats] }\n';
    expect(issues(yaml('service', all))).toEqual([]);
    expect(issues(yaml('service', all).replace(/ {4}routing_key: service\n/g, ''))).toEqual([]);
  });
});
