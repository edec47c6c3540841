import { z } from 'zod';

/** `sending_queue` of every queued exporter, as the Collector's exporterhelper names it. */
export const sendingQueueSchema = z
  .object({
    /** Off: the pipeline waits for each send, and a slow exporter slows its pipeline. */
    enabled: z.boolean().default(true),
    /** Batches held before the queue pushes back (the receiver then answers 503/429). */
    queue_size: z.number().int().positive().default(1000),
    /** Batches sent in parallel. */
    num_consumers: z.number().int().positive().default(10),
  })
  .strict()
  .default({});

export type SendingQueueConfig = z.infer<typeof sendingQueueSchema>;
