import { z } from 'zod';
import { duration } from '../../src/config/schema-helpers.ts';
import { queuedSenderSchema } from '../../src/exporterhelper/queued-sender.ts';
import { checkRoutingAttributes, routingConfigSchema } from '../../src/exporterhelper/routing-config.ts';
import { clientTlsSchema } from '../../src/listener/client-tls.ts';

/** `host` or `host:port` (IPv6 as `[::1]:port`); no scheme: every backend speaks the one `transport`. */
const HOSTNAME = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+)(?::\d{1,5})?$/;

/** A Service name and an optional namespace, both DNS labels (RFC 1123). */
const K8S_SERVICE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)?$/;

export const loadbalancingConfigSchema = z
  .object({
    ...routingConfigSchema,
    protocol: z
      .object({
        /** The client settings each backend gets (OTLP protobuf over HTTP or gRPC). */
        otlp: z
          .object({
            /** Per request. */
            timeout: duration('5s'),
            headers: z.record(z.string()).default({}),
            compression: z.enum(['gzip', 'none']).default('gzip'),
            /**
             * `http`: OTLP/HTTP protobuf POSTs to `http://<backend>/v1/<signal>`; `grpc`: the OTLP/gRPC
             * Export calls, one HTTP/2 channel per backend (the Collector's loadbalancing exporter speaks gRPC).
             */
            transport: z.enum(['http', 'grpc']).default('http'),
            /** Port used for a static hostname without one; unset: the transport's OTLP port (4318, gRPC 4317). */
            default_port: z.number().int().min(1).max(65535).optional(),
            /** TLS to every backend (the Collector's configtls client keys); unset: plaintext. */
            tls: clientTlsSchema.optional(),
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
            /** Unset: the transport's OTLP port (4318, gRPC 4317). */
            port: z.coerce.number().int().min(1).max(65535).optional(),
            interval: duration('5s'),
            timeout: duration('1s'),
          })
          .strict()
          .optional(),
        /**
         * The ready endpoints of a Service's EndpointSlices, watched through the Kubernetes API with the
         * pod's service account (it needs `list` and `watch` on `endpointslices`).
         */
        k8s: z
          .object({
            /** `name.namespace`, or `name` for a Service in the gateway's own namespace. */
            service: z.string().regex(K8S_SERVICE, 'expected "name" or "name.namespace" (a Service and its namespace)'),
            /** Each ready address is a backend once per port; unset: the transport's OTLP port (4318, gRPC 4317). */
            ports: z.array(z.number().int().min(1).max(65535)).min(1).optional(),
            /** Per request to the API (the watch itself stays open). */
            timeout: duration('5s'),
          })
          .strict()
          .optional(),
      })
      .strict()
      .refine((r) => (r.static ? 1 : 0) + (r.dns ? 1 : 0) + (r.k8s ? 1 : 0) === 1, { message: 'set exactly one of resolver.static, resolver.dns and resolver.k8s' }),
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

/** The port of a backend named without one: `default_port` (or `resolver.dns.port`), else the transport's OTLP port. */
export function defaultBackendPort(otlp: LoadbalancingConfig['protocol']['otlp']): number {
  return otlp.default_port ?? (otlp.transport === 'grpc' ? 4317 : 4318);
}
