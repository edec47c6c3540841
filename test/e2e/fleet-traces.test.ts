import { readFileSync, writeFileSync } from 'node:fs';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { Fleet, partitionsOf } from '../helpers/fleet.ts';
import { FREE_PORTS_ENV } from '../helpers/free-ports-env.ts';
import { REPO_ROOT, startGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { startNatsServer, type NatsServer } from '../helpers/nats-server.ts';
import { find, parseExposition } from '../helpers/prom-text.ts';
import { eventually } from '../helpers/prometheus-server.ts';
import { tempFiles } from '../helpers/temp-files.ts';

/*
 * Spans through both shipped fleet layouts: services on the real OpenTelemetry SDK send traces to a
 * tier-1 gateway, which routes them (by service, as the shipped tier-1 configs do) over the
 * `loadbalancing` exporter, or through NATS JetStream, to three tier-2 gateways running the shipped
 * pipelines. Every span must reach exactly one tier-2 gateway's `log` exporter exactly once, and the
 * request counts that tier 2 derives from the server spans (spanmetrics → starlette_requests_total),
 * summed over the three, must equal the requests the services made.
 */
const SERVICES = ['ingest-api', 'webhook-api', 'chat-api', 'celery-worker', 'billing-api', 'prompter-api'];
const ROUTES = ['/v1/prompts', '/v1/prompts/{id}', '/health'];
const TRACES_PER_SERVICE = 40;
/** Faster than shipped, so the test does not wait 15 s for a flush or 90 s for a service's own HTTP metrics. */
const SPAN_ENV = { SWITCHYARD_SPANMETRICS_FLUSH_INTERVAL: '500ms', SWITCHYARD_SPAN_FALLBACK_DELAY: '1s' };

interface Sent {
  spanIds: Set<string>;
  /** Per service, `method route status` → server spans. */
  requests: Map<string, Map<string, number>>;
}

/** Each service makes TRACES_PER_SERVICE requests: a SERVER span with a CLIENT child; some fail with 500. */
async function sendTraces(otlpHttp: string): Promise<Sent> {
  const sent: Sent = { spanIds: new Set(), requests: new Map() };
  await Promise.all(
    SERVICES.map(async (service, s) => {
      const exporter = new OTLPTraceExporter({ url: `http://${otlpHttp}/v1/traces` });
      const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': service, 'deployment.environment.name': 'e2e' }), spanProcessors: [new BatchSpanProcessor(exporter, { maxExportBatchSize: 32, scheduledDelayMillis: 50 })] });
      const tracer = provider.getTracer('fleet-traces');
      const counts = new Map<string, number>();
      for (let i = 0; i < TRACES_PER_SERVICE; i++) {
        const route = ROUTES[(i + s) % ROUTES.length]!;
        const status = i % 7 === 3 ? 500 : 200;
        const method = i % 2 ? 'POST' : 'GET';
        const server = tracer.startSpan(`${method} ${route}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'http.route': route, 'http.response.status_code': status } });
        const ctx = { traceId: server.spanContext().traceId, spanId: server.spanContext().spanId, traceFlags: 1 };
        const client = tracer.startSpan('SELECT prompts', { kind: SpanKind.CLIENT }, trace.setSpanContext(context.active(), ctx));
        client.end();
        if (status === 500) server.setStatus({ code: SpanStatusCode.ERROR });
        server.end();
        sent.spanIds.add(server.spanContext().spanId);
        sent.spanIds.add(client.spanContext().spanId);
        const key = `${method} ${route} ${status}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      sent.requests.set(service, counts);
      await provider.forceFlush();
      await provider.shutdown();
    }),
  );
  return sent;
}

/** Span IDs in a `log` exporter file, in order (a duplicate appears twice). */
function loggedSpans(text: string): { spanId: string; service: string }[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { signal: string; span_id: string; service: string })
    .filter((l) => l.signal === 'span')
    .map((l) => ({ spanId: l.span_id, service: l.service }));
}

/** Every span sent is logged exactly once across tier 2, each service's on one gateway, and the request counts are exact. */
async function expectExactlyOnce(sent: Sent, tier2: GatewayProcess[], logOf: (g: GatewayProcess) => string): Promise<void> {
  const logged = await eventually(
    async () => {
      const all = tier2.map((g) => loggedSpans(logOf(g)));
      return all.flat().length >= sent.spanIds.size ? all : undefined;
    },
    30_000,
    'every span logged by tier 2',
  );
  const ids = logged.flat().map((l) => l.spanId);
  expect(ids.length).toBe(sent.spanIds.size);
  expect(new Set(ids)).toEqual(sent.spanIds);
  // By service: a service's spans all on one gateway (where its metrics are), and the services spread.
  const owners = new Map<string, Set<number>>();
  logged.forEach((lines, g) => lines.forEach((l) => owners.set(l.service, (owners.get(l.service) ?? new Set()).add(g))));
  for (const [service, gs] of owners) expect(gs.size, service).toBe(1);
  expect(new Set([...owners.values()].map((gs) => [...gs][0])).size).toBeGreaterThan(1);

  const served = async () => {
    const pages = await Promise.all(tier2.map(async (g) => parseExposition(await (await fetch(`http://${g.endpoints.prometheus}/metrics`)).text())));
    const out = new Map<string, Map<string, number>>();
    for (const service of SERVICES) {
      const counts = new Map<string, number>();
      for (const s of pages.flatMap((p) => find(p, 'starlette_requests_total', { service }))) {
        const key = `${s.labels.method} ${s.labels.route} ${s.labels.status}`;
        counts.set(key, (counts.get(key) ?? 0) + s.value);
      }
      out.set(service, counts);
    }
    return out;
  };
  const counted = await eventually(async () => {
    const c = await served();
    return SERVICES.every((s) => [...c.get(s)!.values()].reduce((a, b) => a + b, 0) >= TRACES_PER_SERVICE) ? c : undefined;
  }, 30_000, 'request counts derived from spans on tier 2');
  expect(counted).toEqual(sent.requests);
}

describe('spans through the fleet (loadbalancing exporter)', () => {
  const files = tempFiles({});
  const gateways: GatewayProcess[] = [];
  const logFiles = new Map<GatewayProcess, string>();
  let tier1: GatewayProcess;
  const tier2: GatewayProcess[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) {
      const log = files.path(`tier2-${i}.jsonl`);
      const g = await startGateway(`${REPO_ROOT}config/gateway.yaml`, { ...FREE_PORTS_ENV, ...SPAN_ENV, SWITCHYARD_LOG_PATH: log, PROMETHEUS_REMOTE_WRITE_URL: '', SWITCHYARD_QUEUE_DIR: files.path(`queue-${i}`) }, 40_000);
      gateways.push(g);
      tier2.push(g);
      logFiles.set(g, log);
    }
    // The shipped tier-1 ConfigMap, on loopback: the headless Service's DNS name becomes the three addresses.
    const docs = parseAllDocuments(readFileSync(`${REPO_ROOT}deploy/kubernetes/tier1.yaml`, 'utf8')).map((d) => d.toJS() as { kind: string; metadata: { name: string }; data?: Record<string, string> });
    const shipped = docs.find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'switchyard-tier1')!.data!['gateway.yaml']!;
    const config = shipped
      .replace(/0\.0\.0\.0:\d+/g, '127.0.0.1:0')
      .replace(/dns: \{[^}]*\}/, `static: { hostnames: [${tier2.map((g) => `"${g.endpoints['otlp.http']}"`).join(', ')}] }`)
      .replace('batch_send_deadline: 200ms', 'batch_send_deadline: 50ms');
    expect(config).toContain('static: { hostnames');
    const file = files.path('tier1.yaml');
    writeFileSync(file, config);
    tier1 = await startGateway(file, {}, 40_000);
    gateways.push(tier1);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    files.cleanup();
  });

  it('delivers every span to exactly one tier-2 gateway, once, and the span-derived request counts are exact', async () => {
    const sent = await sendTraces(tier1.endpoints['otlp.http']!);
    expect(sent.spanIds.size).toBe(SERVICES.length * TRACES_PER_SERVICE * 2);
    await expectExactlyOnce(sent, tier2, (g) => {
      try {
        return readFileSync(logFiles.get(g)!, 'utf8');
      } catch {
        return '';
      }
    });
  }, 120_000);
});

describe('spans through the fleet (NATS JetStream)', () => {
  let nats: NatsServer;
  let fleet: Fleet;
  let tier1: GatewayProcess;
  const tier2: GatewayProcess[] = [];

  beforeAll(async () => {
    nats = await startNatsServer();
    fleet = new Fleet(nats.url, 2, SPAN_ENV);
    for (let i = 0; i < 3; i++) tier2.push(await fleet.tier2(partitionsOf(i, 3)));
    tier1 = await fleet.tier1();
  }, 180_000);

  afterAll(async () => {
    await fleet?.stop();
    await nats?.close();
  });

  it('delivers every span to exactly one tier-2 gateway, once, and the span-derived request counts are exact', async () => {
    const sent = await sendTraces(tier1.endpoints['otlp.http']!);
    await expectExactlyOnce(sent, tier2, (g) => fleet.logFile(g));
  }, 120_000);
});
