import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { Attributes } from '@opentelemetry/api';

/**
 * A service instrumented with the real SDK, exporting OTLP/HTTP protobuf to `otlpHttp` only when the
 * test says (`flush`), so each export round is deterministic.
 */
export function sdkService(otlpHttp: string, name: string, resource: Attributes = {}) {
  const reader = new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `http://${otlpHttp}/v1/metrics` }), exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': name, 'deployment.environment.name': 'e2e', ...resource }), readers: [reader] });
  return { meter: provider.getMeter(name), flush: () => reader.forceFlush(), shutdown: () => provider.shutdown() };
}
