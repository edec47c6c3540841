/**
 * Request bodies made the way the SDK exporters make them: real providers, collected by hand, serialized
 * by @opentelemetry/otlp-transformer (0.214, and 0.223 which the installed exporters use).
 */
import { createRequire } from 'node:module';
import { SpanKind, SpanStatusCode, ValueType, context, trace, type Link } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { JsonLogsSerializer, JsonMetricsSerializer, JsonTraceSerializer, ProtobufLogsSerializer, ProtobufMetricsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, AggregationType, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface Bodies {
  proto: Uint8Array;
  json: string;
}

const RESOURCE = { 'service.name': 'prompter-api', 'deployment.environment.name': 'test', 'process.pid': 4242 };

/** A reader the test collects by hand. */
class ManualReader extends MetricReader {
  constructor(temporality: AggregationTemporality) {
    super({ aggregationTemporalitySelector: () => temporality });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

export const HTTP_ATTRS = { 'http.request.method': 'GET', 'http.route': '/v1/prompts/:id', 'http.response.status_code': 200, ok: true, ratio: 0.5, tags: ['a', 'b'] };

/**
 * Two collections from one MeterProvider: the second after more measurements, so that delta and
 * cumulative temporality give different values.
 */
export async function sdkMetrics(temporality: AggregationTemporality): Promise<[ResourceMetrics, ResourceMetrics]> {
  const reader = new ManualReader(temporality);
  const provider = new MeterProvider({
    resource: resourceFromAttributes(RESOURCE),
    readers: [reader],
    views: [{ instrumentName: 'latency.exp', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
  });
  const meter = provider.getMeter('prompter', '7.0.0');
  const requests = meter.createCounter('http.server.requests', { unit: '{request}', description: 'Requests served.' });
  const jobs = meter.createCounter('jobs.done', { valueType: ValueType.INT });
  const depth = meter.createUpDownCounter('queue.depth');
  const temperature = meter.createGauge('temperature', { unit: 'Cel' });
  meter.createObservableGauge('redis.up').addCallback((result) => result.observe(1, { instance: 'r1' }));
  const duration = meter.createHistogram('http.server.request.duration', { unit: 's', advice: { explicitBucketBoundaries: [0.1, 1] } });
  const exp = meter.createHistogram('latency.exp', { unit: 's' });

  requests.add(5, HTTP_ATTRS);
  requests.add(2.5, { ...HTTP_ATTRS, 'http.response.status_code': 500 });
  jobs.add(7);
  depth.add(3);
  depth.add(-5);
  temperature.record(21.5, { room: 'b' });
  for (const v of [0.05, 0.3, 4]) duration.record(v, { 'http.route': '/a' });
  for (const v of [3, 0.5, 0]) exp.record(v);
  const first = (await reader.collect()).resourceMetrics;

  requests.add(1, HTTP_ATTRS);
  jobs.add(2);
  duration.record(0.2, { 'http.route': '/a' });
  const second = (await reader.collect()).resourceMetrics;
  await provider.shutdown();
  return [first, second];
}

export function metricsBodies(rm: ResourceMetrics): Bodies {
  return { proto: ProtobufMetricsSerializer.serializeRequest(rm)!, json: new TextDecoder().decode(JsonMetricsSerializer.serializeRequest(rm)!) };
}

export interface TraceFixture extends Bodies {
  server: { traceId: string; spanId: string };
  client: { spanId: string };
  linked: { traceId: string; spanId: string };
}

/** A server span (attributes, an event, a link, an error status), its client child and an internal span. */
export async function sdkTraces(): Promise<TraceFixture> {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes(RESOURCE), spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('http', '1.0.0');
  const linked = tracer.startSpan('upstream');
  linked.end();
  const link: Link = { context: linked.spanContext(), attributes: { 'link.kind': 'follows' } };
  const server = tracer.startSpan('GET /v1/prompts/:id', { kind: SpanKind.SERVER, attributes: { 'http.route': '/v1/prompts/:id', 'http.response.status_code': 500 }, links: [link] });
  server.addEvent('exception', { 'exception.message': 'boom' });
  server.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
  const client = tracer.startSpan('SELECT prompts', { kind: SpanKind.CLIENT }, trace.setSpan(context.active(), server));
  client.setStatus({ code: SpanStatusCode.OK });
  client.end();
  server.end();
  await provider.forceFlush();
  const spans = exporter.getFinishedSpans();
  await provider.shutdown();
  return {
    proto: ProtobufTraceSerializer.serializeRequest(spans)!,
    json: new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans)!),
    server: { traceId: server.spanContext().traceId, spanId: server.spanContext().spanId },
    client: { spanId: client.spanContext().spanId },
    linked: { traceId: linked.spanContext().traceId, spanId: linked.spanContext().spanId },
  };
}

export const LOG_SPAN = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 };

/** A warning with a map body inside a span, and an event record with a bytes body. */
export async function sdkLogs(): Promise<Bodies> {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({ resource: resourceFromAttributes(RESOURCE), processors: [new SimpleLogRecordProcessor(exporter)] });
  const logger = provider.getLogger('worker', '2.0.0');
  logger.emit({
    timestamp: new Date(1_700_000_000_123), // a Date: the SDK reads a number below performance.timeOrigin as relative to it
    severityNumber: SeverityNumber.WARN,
    severityText: 'WARN',
    body: { msg: 'disk low', free: 3, nested: { list: [1, 'two'] } },
    attributes: { 'log.file.name': 'worker.py', attempt: 2 },
    context: trace.setSpanContext(context.active(), LOG_SPAN),
  });
  logger.emit({ eventName: 'prompt.cached', body: new Uint8Array([1, 2, 250]), severityNumber: SeverityNumber.INFO });
  await provider.forceFlush();
  const records = exporter.getFinishedLogRecords();
  await provider.shutdown();
  return { proto: ProtobufLogsSerializer.serializeRequest(records)!, json: new TextDecoder().decode(JsonLogsSerializer.serializeRequest(records)!) };
}

interface Serializer<T> {
  serializeRequest(data: T): Uint8Array | undefined;
}

/**
 * The serializers of the otlp-transformer the installed exporters (0.223) depend on: the bytes those
 * exporters put on the wire. Resolved from the exporter packages, as Node resolves them.
 */
export function exporterSerializers(): { metricsProto: Serializer<ResourceMetrics>; metricsJson: Serializer<ResourceMetrics> } {
  const fromExporter = createRequire(createRequire(import.meta.url).resolve('@opentelemetry/exporter-metrics-otlp-proto'));
  const transformer = fromExporter('@opentelemetry/otlp-transformer') as { ProtobufMetricsSerializer: Serializer<ResourceMetrics>; JsonMetricsSerializer: Serializer<ResourceMetrics> };
  return { metricsProto: transformer.ProtobufMetricsSerializer, metricsJson: transformer.JsonMetricsSerializer };
}

export { AggregationTemporality };
