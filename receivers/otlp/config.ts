import { z } from 'zod';
import { byteSize, endpoint } from '../../src/config/schema-helpers.ts';

const grpcSchema = z
  .object({
    /** host:port to listen on for OTLP/gRPC. */
    endpoint: endpoint('127.0.0.1:4317'),
    /** Largest request message accepted (after decompression). */
    max_recv_msg_size: byteSize(20 * 1024 * 1024),
  })
  .strict();

const httpSchema = z
  .object({
    /** host:port to listen on for OTLP/HTTP. */
    endpoint: endpoint('127.0.0.1:4318'),
    /** Largest request body accepted, counted after gzip decompression as well: beyond it, 413. */
    max_request_body_size: byteSize(20 * 1024 * 1024),
    metrics_url_path: z.string().startsWith('/').default('/v1/metrics'),
    traces_url_path: z.string().startsWith('/').default('/v1/traces'),
    logs_url_path: z.string().startsWith('/').default('/v1/logs'),
  })
  .strict();

/**
 * As in the Collector, a protocol is on when its key is present, even empty (`grpc:`); at least one
 * must be.
 */
export const otlpReceiverConfigSchema = z
  .object({
    protocols: z
      .object({
        grpc: grpcSchema.nullable().optional().transform((v) => (v === null ? grpcSchema.parse({}) : v)),
        http: httpSchema.nullable().optional().transform((v) => (v === null ? httpSchema.parse({}) : v)),
      })
      .strict()
      .refine((p) => p.grpc !== undefined || p.http !== undefined, 'enable at least one protocol: grpc or http'),
  })
  .strict();

export type OtlpReceiverConfig = z.infer<typeof otlpReceiverConfigSchema>;
export type OtlpHttpConfig = z.infer<typeof httpSchema>;
export type OtlpGrpcConfig = z.infer<typeof grpcSchema>;
