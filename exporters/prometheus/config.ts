import { z } from 'zod';
import { duration, endpoint } from '../../src/config/schema-helpers.ts';

export const prometheusExporterConfigSchema = z
  .object({
    /** host:port of the scrape endpoint (`/metrics`). */
    endpoint: endpoint('127.0.0.1:8889'),
    /** A series not updated for this long is no longer served. */
    metric_expiration: duration('5m'),
    /** A prefix for every metric name, joined with `_`. */
    namespace: z.string().optional(),
    /** Labels added to every series. */
    const_labels: z.record(z.string()).default({}),
    resource_to_telemetry_conversion: z.object({ enabled: z.boolean().default(false) }).strict().default({}),
    /** Serve OpenMetrics 1.0.0 to scrapers that ask for it. */
    enable_open_metrics: z.boolean().default(true),
    /** Unit suffixes, `_ratio` and `_total`, as the OpenTelemetry compatibility spec says. */
    add_metric_suffixes: z.boolean().default(true),
    /** `otel_scope_name`/`otel_scope_version` labels on every series, as the compatibility spec says. */
    scope_labels: z.boolean().default(true),
    /** Add each sample's timestamp (off: Prometheus stamps the scrape time). */
    send_timestamps: z.boolean().default(false),
  })
  .strict()
  .default({});

export type PrometheusExporterConfig = z.infer<typeof prometheusExporterConfigSchema>;
