import { z } from 'zod';
import { queuedSenderSchema } from '../../src/exporterhelper/queued-sender.ts';
import { duration } from '../../src/config/schema-helpers.ts';

export const datadogExporterConfigSchema = z
  .object({
    api: z
      .object({
        /** The API key. Empty: the exporter is off (said once at start). */
        key: z.string().default(''),
        /** datadoghq.com, datadoghq.eu, us3.datadoghq.com, us5.datadoghq.com, ap1.datadoghq.com, … */
        site: z.string().min(1).default('datadoghq.com'),
        /** A full base URL instead of `https://api.<site>` (proxies, tests). */
        endpoint: z.union([z.literal(''), z.string().url()]).default(''),
      })
      .strict()
      .default({}),
    metrics: z
      .object({
        histograms: z
          .object({
            /**
             * `nobuckets`: `.count` and `.sum` counts (+ `.min`/`.max` gauges); `counters`: a `.bucket` count
             * per bucket with `lower_bound`/`upper_bound` tags. `distributions` (DDSketches) is not built yet.
             */
            mode: z.enum(['nobuckets', 'counters', 'distributions']).default('nobuckets').refine((m) => m !== 'distributions', 'histograms.mode "distributions" (DDSketches) is not available yet; use nobuckets or counters'),
          })
          .strict()
          .default({}),
        /** Every resource attribute as a tag, not only service and env. */
        resource_attributes_as_tags: z.boolean().default(false),
      })
      .strict()
      .default({}),
    /** How long a cumulative series' last value is kept to compute the next count. */
    delta_ttl: duration('1h'),
    ...queuedSenderSchema,
  })
  .strict()
  .default({});

export type DatadogExporterConfig = z.infer<typeof datadogExporterConfigSchema>;
