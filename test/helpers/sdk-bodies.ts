import { JsonLogsSerializer, JsonMetricsSerializer, JsonTraceSerializer, ProtobufLogsSerializer, ProtobufMetricsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, AggregationType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

/** A reader the test collects by hand, so the SDK's own ResourceMetrics can be serialized. */
export class ManualReader extends MetricReader {
  constructor(temporality = AggregationTemporality.CUMULATIVE) {
    super({ aggregationTemporalitySelector: () => temporality });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** The bytes the SDK's OTLP exporters send for a small, known set of instruments. */
export async function sdkMetricsBodies(temporality = AggregationTemporality.CUMULATIVE): Promise<{ proto: Uint8Array; json: string }> {
  const reader = new ManualReader(temporality);
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'prompter-api', 'deployment.environment.name': 'test' }),
    readers: [reader],
    views: [{ instrumentName: 'latency.exp', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
  });
  const meter = provider.getMeter('prompter', '7.0.0');
  meter.createCounter('requests', { unit: '{request}', description: 'Requests.' }).add(5, { route: '/a', code: 200, ok: true, ratio: 0.5 });
  meter.createUpDownCounter('inflight').add(-3);
  meter.createGauge('temperature', { unit: 'Cel' }).record(21.5, { room: 'b' });
  meter.createHistogram('latency', { unit: 's', advice: { explicitBucketBoundaries: [0.1, 1] } }).record(0.3);
  meter.createHistogram('latency.exp', { unit: 's' }).record(3);
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return { proto: ProtobufMetricsSerializer.serializeRequest(resourceMetrics)!, json: new TextDecoder().decode(JsonMetricsSerializer.serializeRequest(resourceMetrics)!) };
}

export async function sdkTraceBodies(): Promise<{ proto: Uint8Array; json: string; spanIds: string[] }> {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'prompter-api' }), spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('http', '1.0.0');
  const parent = tracer.startSpan('GET /v1/prompts/:id', { kind: SpanKind.SERVER, attributes: { 'http.route': '/v1/prompts/:id', 'http.response.status_code': 500 } });
  parent.addEvent('exception', { 'exception.message': 'boom' });
  parent.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
  parent.end();
  tracer.startSpan('SELECT', { kind: SpanKind.CLIENT }).end();
  await provider.forceFlush();
  const spans = exporter.getFinishedSpans();
  await provider.shutdown();
  return {
    proto: ProtobufTraceSerializer.serializeRequest(spans)!,
    json: new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans)!),
    spanIds: spans.map((s) => s.spanContext().spanId),
  };
}

export { JsonLogsSerializer, ProtobufLogsSerializer };
