import { z } from 'zod';
import { queuedSenderSchema } from '../../src/exporterhelper/queued-sender.ts';
import { duration } from '../../src/config/schema-helpers.ts';

/** DataDog's sites; each takes metrics at `https://api.<site>`. */
export const DATADOG_SITES = ['datadoghq.com', 'us3.datadoghq.com', 'us5.datadoghq.com', 'datadoghq.eu', 'ap1.datadoghq.com', 'ap2.datadoghq.com', 'ddog-gov.com'] as const;

export const datadogExporterConfigSchema = z
  .object({
    api: z
      .object({
        /** The API key. Empty: the exporter is off (said once at start). */
        key: z.string().default(''),
        /** The DataDog site of the organisation, one of DATADOG_SITES. */
        site: z
          .string()
          .default('datadoghq.com')
          .refine(
            (s) => (DATADOG_SITES as readonly string[]).includes(s),
            (s) => ({ message: `"${s}" is not a DataDog site; use one of ${DATADOG_SITES.join(', ')} (or set endpoint)` }),
          ),
        /** A full base URL instead of `https://api.<site>` (proxies, tests). */
        endpoint: z.union([z.literal(''), z.string().url()]).default(''),
      })
      .strict()
      .default({}),
    /** Content-Encoding of every request: the three DataDog's intake takes (zstd1: zstd at level 1, the agent's). */
    compression: z.enum(['gzip', 'deflate', 'zstd1']).default('gzip'),
    metrics: z
      .object({
        histograms: z
          .object({
            /**
             * `distributions`: a DDSketch per point to the sketches intake, for DataDog's percentiles;
             * `nobuckets`: `.count` and `.sum` counts (+ `.min`/`.max` gauges); `counters`: a `.bucket`
             * count per bucket with `lower_bound`/`upper_bound` tags.
             */
            mode: z.enum(['distributions', 'nobuckets', 'counters']).default('distributions'),
          })
          .strict()
          .default({}),
        /** Every resource attribute as a tag, not only service and env. */
        resource_attributes_as_tags: z.boolean().default(false),
      })
      .strict()
      .default({}),
    /**
     * The `env` tag of a series whose resource has no `deployment.environment.name` (or
     * `deployment.environment`) and whose point has no `env` label; empty: none. Each series carries one `env`.
     */
    env: z.string().default(''),
    /** How long a cumulative series' last value is kept to compute the next count. */
    delta_ttl: duration('1h'),
    ...queuedSenderSchema,
  })
  .strict()
  .default({});

export type DatadogExporterConfig = z.infer<typeof datadogExporterConfigSchema>;

/** Where requests go: `endpoint` when set (without a trailing `/`), else `https://api.<site>`. */
export function intakeBaseUrl(api: DatadogExporterConfig['api']): string {
  return api.endpoint ? api.endpoint.replace(/\/+$/, '') : `https://api.${api.site}`;
}
