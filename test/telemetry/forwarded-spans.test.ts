import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { telemetrySchema } from '../../src/config/telemetry.ts';
import type { WireSpan } from '../../src/telemetry/forwarded-spans.ts';
import { startOwnSpan } from '../../src/telemetry/own-span.ts';
import { OwnTelemetry } from '../../src/telemetry/own-telemetry.ts';
import { SelfMetrics } from '../../src/telemetry/self-metrics.ts';
import { eventually } from '../helpers/prometheus-server.ts';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface OtlpJsonSpan {
  name: string;
  attributes: { key: string; value: { intValue?: string | number; stringValue?: string } }[];
}
interface OtlpJsonTraces {
  resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: OtlpJsonSpan[] }[] }[];
}

/** An OTLP/HTTP JSON traces endpoint that keeps what it receives. */
async function tracesBackend(): Promise<{ url: string; received: OtlpJsonTraces[] }> {
  const received: OtlpJsonTraces[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as OtlpJsonTraces);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

describe('a worker thread’s own spans (--workers N)', () => {
  it('are handed over as plain data and exported by the main thread with its resource; the worker binds no metrics reader', async () => {
    const backend = await tracesBackend();
    const config = telemetrySchema.parse({
      // A pull reader the worker must not bind (the main thread serves the metrics): port 1 would refuse it.
      metrics: { readers: [{ pull: { exporter: { prometheus: { host: '127.0.0.1', port: 1 } } } }] },
      traces: { processors: [{ batch: { schedule_delay: 50, exporter: { otlp: { protocol: 'http/json', endpoint: backend.url } } } }] },
    });
    const logger = pino({ level: 'silent' });
    const handed: WireSpan[][] = [];
    const workerSelf = new SelfMetrics({ processMetrics: false });
    // What crosses a MessagePort: a structured clone, which keeps no method.
    const worker = new OwnTelemetry(workerSelf, logger, (spans) => handed.push(structuredClone(spans)));
    const main = new OwnTelemetry(new SelfMetrics({ processMetrics: false }), logger);
    cleanups.push(() => worker.shutdown(), () => main.shutdown());
    await worker.start(config);
    await main.start(config);
    expect(worker.pullEndpoints()).toEqual([]);

    const span = startOwnSpan(workerSelf.tracer, 'send metrics', 'client', { 'switchyard.component': 'prometheusremotewrite' });
    span.retried();
    span.end();
    const spans = await eventually(async () => handed.flat()[0] && handed.flat(), 5_000, 'the worker handing its span over');
    main.receiveSpans(spans);

    const exported = await eventually(async () => backend.received[0], 5_000, 'the main thread exporting it');
    const resource = Object.fromEntries(exported.resourceSpans[0]!.resource.attributes.map((a) => [a.key, a.value.stringValue]));
    expect(resource['service.instance.id']).toBe(main.instanceId);
    const sent = exported.resourceSpans[0]!.scopeSpans[0]!.spans;
    expect(sent.map((s) => s.name)).toEqual(['send metrics']);
    expect(sent[0]!.attributes).toContainEqual({ key: 'retries', value: { intValue: 1 } });
    expect(spans[0]!.context.traceId).toMatch(/^[0-9a-f]{32}$/);
  });
});
