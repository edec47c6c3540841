import { z } from 'zod';
import { duration } from '../../src/config/schema-helpers.ts';
import { queuedSenderSchema } from '../../src/exporterhelper/queued-sender.ts';
import { checkRoutingAttributes, routingConfigSchema } from '../../src/exporterhelper/routing-config.ts';

/** `host` or `host:port` (IPv6 as `[::1]:port`); no scheme: every backend speaks OTLP/HTTP. */
const HOSTNAME = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+)(?::\d{1,5})?$/;

export const loadbalancingConfigSchema = z
  .object({
    ...routingConfigSchema,
    protocol: z
      .object({
        /** The client settings each backend gets: OTLP/HTTP protobuf to `http://<backend>/v1/<signal>`. */
        otlp: z
          .object({
            /** Per request. */
            timeout: duration('5s'),
            headers: z.record(z.string()).default({}),
            compression: z.enum(['gzip', 'none']).default('gzip'),
            /** `grpc` is not implemented: refused here rather than at the first send. */
            transport: z.literal('http', { errorMap: () => ({ message: 'only OTLP/HTTP ("http") is implemented; point the backends at their OTLP/HTTP port (4318)' }) }).default('http'),
            /** Port used for a static hostname without one (the OTLP/HTTP port). */
            default_port: z.number().int().min(1).max(65535).default(4318),
            ...queuedSenderSchema,
          })
          .strict()
          .default({}),
      })
      .strict()
      .default({}),
    resolver: z
      .object({
        static: z
          .object({ hostnames: z.array(z.string().regex(HOSTNAME, 'expected "host" or "host:port"')).min(1) })
          .strict()
          .optional(),
        /** Re-resolved every `interval`: each address answered is a backend (a Kubernetes headless Service's pods). */
        dns: z
          .object({
            hostname: z.string().min(1),
            port: z.coerce.number().int().min(1).max(65535).default(4318),
            interval: duration('5s'),
            timeout: duration('1s'),
          })
          .strict()
          .optional(),
      })
      .strict()
      .refine((r) => (r.static ? 1 : 0) + (r.dns ? 1 : 0) === 1, { message: 'set exactly one of resolver.static and resolver.dns' }),
  })
  .strict()
  .superRefine((c, ctx) => {
    checkRoutingAttributes(c, ctx);
    if (c.protocol.otlp.sending_queue.storage) {
      // Queued points are re-routed when a backend leaves; a per-backend file queue would strand them.
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['protocol', 'otlp', 'sending_queue', 'storage'], message: 'a persistent queue is not supported by the loadbalancing exporter (queued data is re-routed in memory when a backend leaves)' });
    }
  });

export type LoadbalancingConfig = z.infer<typeof loadbalancingConfigSchema>;
