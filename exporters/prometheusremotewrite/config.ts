import { z } from 'zod';
import { duration } from '../../src/config/schema-helpers.ts';
import { retryConfigSchema } from '../../src/exporterhelper/retry.ts';

export const remoteWriteConfigSchema = z
  .object({
    /** The receiver's URL, e.g. http://prometheus:9090/api/v1/write. Empty: the exporter is off. */
    endpoint: z.union([z.literal(''), z.string().url()]),
    /** Per request. */
    timeout: duration('5s'),
    headers: z.record(z.string()).default({}),
    /** Labels added to every series that does not have them. */
    external_labels: z.record(z.string()).default({}),
    basic_auth: z.object({ username: z.string(), password: z.string() }).strict().optional(),
    bearer_token: z.string().optional(),
    tls: z.object({ ca_file: z.string().optional(), insecure_skip_verify: z.boolean().default(false) }).strict().default({}),
    /** Samples per request. */
    max_samples_per_send: z.number().int().positive().default(2000),
    /** A partly filled request is sent after this long. */
    batch_send_deadline: duration('5s'),
    /** Parallel senders; each series always goes through the same one, so its samples stay in order. */
    num_consumers: z.number().int().positive().default(4),
    retry_on_failure: retryConfigSchema,
    sending_queue: z
      .object({
        /** Samples waiting to be sent, across senders. */
        queue_size: z.number().int().positive().default(100_000),
        /** When full: `block` (the receiver answers 429, the SDKs retry) or `drop_oldest` (counted). */
        full_policy: z.enum(['block', 'drop_oldest']).default('block'),
        /** Persist the queue here, so samples survive a crash or restart. */
        storage: z.object({ directory: z.string().min(1) }).strict().optional(),
      })
      .strict()
      .default({}),
    /** A series not updated this long gets a stale marker and is forgotten. */
    metric_expiration: duration('5m'),
    namespace: z.string().optional(),
    add_metric_suffixes: z.boolean().default(true),
    resource_to_telemetry_conversion: z.object({ enabled: z.boolean().default(false) }).strict().default({}),
  })
  .strict();

export type RemoteWriteConfig = z.infer<typeof remoteWriteConfigSchema>;
