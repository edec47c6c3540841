import { z } from 'zod';
import { duration } from '../../src/config/schema-helpers.ts';
import { queuedSenderSchema } from '../../src/exporterhelper/queued-sender.ts';
import { checkSignalStreams, natsStreamSchema } from '../../src/nats/stream-config.ts';
import { ROUTING_KEY_KINDS, type RoutingKeyKind } from '../../src/routing/index.ts';

export const natsExporterConfigSchema = z
  .object({
    ...natsStreamSchema,
    /**
     * What picks an item's partition (src/routing `partitionOf`). Unset: each signal's default, `streamID`
     * for metrics (one series, one partition) and `traceID` for traces and logs.
     */
    routing_key: z.enum(ROUTING_KEY_KINDS as [RoutingKeyKind, ...RoutingKeyKind[]]).optional(),
    /** Per publish, until JetStream acknowledges it stored the batch. */
    timeout: duration('5s'),
    ...queuedSenderSchema,
  })
  .strict()
  .superRefine((c, ctx) => {
    checkSignalStreams(c, ctx);
    if (c.sending_queue.storage) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['sending_queue', 'storage'], message: 'not supported by the nats exporter: JetStream itself is the persistent buffer' });
  });

export type NatsExporterConfig = z.infer<typeof natsExporterConfigSchema>;
