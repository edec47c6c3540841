import type { Signal } from '../model/common.ts';

/**
 * The OTLP/gRPC Export method of each signal's service, as the receiver serves it and the exporters call
 * it; no .proto files needed: request and response bodies are (de)serialized by our own code.
 */
export const OTLP_GRPC_METHOD: Readonly<Record<Signal, string>> = {
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
};
