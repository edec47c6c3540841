import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { OtlpExporterConfig } from '../config/telemetry.ts';
import { SELF_TELEMETRY_HEADER } from './marker.ts';


/** The URL for one signal: an endpoint without a path gets the signal's (`/v1/metrics`), as the Collector's. */
export function signalUrl(endpoint: string, signalPath: string): string {
  const url = new URL(endpoint);
  if (url.pathname === '' || url.pathname === '/') url.pathname = signalPath;
  return url.toString();
}

function options(config: OtlpExporterConfig, signalPath: string) {
  return {
    url: signalUrl(config.endpoint, signalPath),
    headers: { ...config.headers, [SELF_TELEMETRY_HEADER]: '1' },
    timeoutMillis: config.timeout,
    compression: config.compression === 'gzip' ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE,
  };
}

export function metricExporter(config: OtlpExporterConfig): PushMetricExporter {
  const o = options(config, '/v1/metrics');
  return config.protocol === 'http/json' ? new JsonMetricExporter(o) : new ProtoMetricExporter(o);
}

export function spanExporter(config: OtlpExporterConfig): SpanExporter {
  const o = options(config, '/v1/traces');
  return config.protocol === 'http/json' ? new JsonTraceExporter(o) : new ProtoTraceExporter(o);
}
