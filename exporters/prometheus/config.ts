import { z } from 'zod';
import { endpoint } from '../../src/config/schema-helpers.ts';
import { listenerSecurity } from '../../src/config/listener-security.ts';
import { prometheusTranslationSchema } from '../../src/translate/translation-config.ts';

export const prometheusExporterConfigSchema = z
  .object({
    /** host:port of the scrape endpoint (`/metrics`). */
    endpoint: endpoint('127.0.0.1:8889'),
    ...prometheusTranslationSchema,
    /** Labels added to every series that lacks them. */
    const_labels: z.record(z.string()).default({}),
    /** Serve OpenMetrics 1.0.0 to scrapers that ask for it. */
    enable_open_metrics: z.boolean().default(true),
    /** Add each sample's timestamp (off: Prometheus stamps the scrape time). */
    send_timestamps: z.boolean().default(false),
    /** A bearer token scrapers must send (Prometheus: `authorization: { credentials_file: … }`), and TLS; as on every listener. */
    ...listenerSecurity,
  })
  .strict()
  .default({});

export type PrometheusExporterConfig = z.infer<typeof prometheusExporterConfigSchema>;
