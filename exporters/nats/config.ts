import { z } from 'zod';
import { duration } from '../../src/config/schema-helpers.ts';
import { queuedSenderSchema } from '../../src/exporterhelper/queued-sender.ts';
import { checkRoutingAttributes, routingConfigSchema } from '../../src/exporterhelper/routing-config.ts';
import { checkSignalStreams, natsStreamSchema } from '../../src/nats/stream-config.ts';

export const natsExporterConfigSchema = z
  .object({
    ...natsStreamSchema,
    ...routingConfigSchema,
    /** Per publish, until JetStream acknowledges it stored the batch. */
    timeout: duration('5s'),
    ...queuedSenderSchema,
  })
  .strict()
  .superRefine((c, ctx) => {
    checkSignalStreams(c, ctx);
    checkRoutingAttributes(c, ctx);
    if (c.sending_queue.storage) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['sending_queue', 'storage'], message: 'not supported by the nats exporter: JetStream itself is the persistent buffer' });
  });

export type NatsExporterConfig = z.infer<typeof natsExporterConfigSchema>;
