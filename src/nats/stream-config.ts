import { z } from 'zod';
import { duration } from '../config/schema-helpers.ts';

/**
 * What the `nats` exporter and receiver share: where JetStream is and which stream and subjects carry
 * the batches. A batch for partition p goes to subject `<subject_prefix>.<p>`.
 */
export const natsStreamSchema = {
  /** NATS server URL(s), comma-separated: nats://nats:4222. */
  url: z.string().min(1).default('nats://127.0.0.1:4222'),
  stream: z.string().regex(/^[A-Za-z0-9_-]+$/, 'a stream name is letters, digits, "_" and "-"').default('SWITCHYARD_METRICS'),
  subject_prefix: z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'dot-separated tokens without wildcards').default('switchyard.metrics'),
  /** Number of partitions (fixed: changing it moves series, like `--workers`). */
  partition_count: z.number().int().min(1).max(1024).default(8),
  /** Create the stream (file storage, subjects `<prefix>.>`) when it does not exist. */
  create_stream: z.boolean().default(true),
  /** The stream's duplicate window: a batch resent with the same message ID within it is stored once. */
  duplicate_window: duration('2m'),
};

export interface NatsStreamConfig {
  url: string;
  stream: string;
  subject_prefix: string;
  partition_count: number;
  create_stream: boolean;
  duplicate_window: number;
}
