import { z } from 'zod';
import { byteSize, duration, endpoint } from '../../src/config/schema-helpers.ts';
import { listenerSecurity } from '../../src/config/listener-security.ts';

/**
 * What one request may hold, the same on both protocols. Beyond `max_points_per_request` the request is
 * refused (413 / INVALID_ARGUMENT); attributes beyond the two attribute limits are dropped or cut and
 * counted, as the SDKs' attribute limits do, and the rest of the request is kept.
 */
const requestLimits = {
  /** Requests handled at once; one more is answered 429 (UNAVAILABLE on gRPC) with a retry delay. */
  max_concurrent_requests: z.number().int().positive().default(128),
  /**
   * Longest a received request may wait for its turn to be decoded. One that waited longer is answered
   * 503 / UNAVAILABLE with a retry delay, undecoded, and so is every request arriving while the oldest
   * waiting one is past the limit: an overloaded gateway refuses its excess at once instead of answering
   * everything seconds late. `0s` never sheds.
   */
  max_queue_delay: duration('500ms'),
  /**
   * Request bytes (bodies as read, inflated) held at once by this protocol's listener; a request that
   * would pass it is answered 429 (RESOURCE_EXHAUSTED on gRPC) with a retry delay, before its body is
   * read when its size is known (or the limit already reached).
   */
  max_request_bytes_in_flight: byteSize(64 * 1024 * 1024),
  /** Data points, spans or log records in one request. */
  max_points_per_request: z.number().int().positive().default(200_000),
  /** Attributes per point, span, event, link, log record, resource or scope (the SDKs' default: 128). */
  max_attributes_per_point: z.number().int().positive().default(128),
  /** Characters of one attribute value (a string; bytes of a bytes value). */
  max_attribute_value_length: z.number().int().positive().default(8192),
};

/**
 * `keepalive.server_parameters` of the gRPC protocol, the Collector's keys (grpc-go's ServerParameters);
 * `0s` is "never", as there. New connections get changed values on a reload; open ones keep theirs.
 */
const keepaliveSchema = z
  .object({
    server_parameters: z
      .object({
        /**
         * A connection with no call in progress this long is sent GOAWAY and closed: one that connected and
         * never sent a whole call (silent, or trickling its headers) does not hold its socket for good. An
         * SDK exporter reconnects at its next export. Default 2m, above the SDKs' 60 s metrics interval.
         */
        max_connection_idle: duration('2m'),
        /** Any connection this old is sent GOAWAY (clients reconnect, e.g. to another replica); default never. */
        max_connection_age: duration('0s'),
        /** After max_connection_age's GOAWAY, how long calls in progress may finish before the connection is cut; default never. */
        max_connection_age_grace: duration('0s'),
        /** An idle connection is pinged this often (a dead peer is found out); default 2h, as grpc-go. */
        time: duration('2h'),
        /** A ping unanswered this long closes the connection; default 20s. */
        timeout: duration('20s'),
      })
      .strict()
      .default({}),
  })
  .strict()
  .default({});

const grpcSchema = z
  .object({
    /** host:port to listen on for OTLP/gRPC. */
    endpoint: endpoint('127.0.0.1:4317'),
    /** Largest request message accepted (after decompression). */
    max_recv_msg_size: byteSize(20 * 1024 * 1024),
    /**
     * Time an admitted call has to send its whole message, from its metadata; a slower one is ended
     * DEADLINE_EXCEEDED (as HTTP answers 408), so a client trickling its message cannot hold one of
     * max_concurrent_requests for good.
     */
    read_timeout: duration('30s'),
    ...requestLimits,
    /**
     * 16 on gRPC, not HTTP's 128: a connection's calls receive their messages through one shared
     * flow-control window, so past what the gateway decodes in about max_queue_delay, more calls at
     * once only make each message arrive later (measured at twice capacity with 1.7 MB requests: 128
     * admitted keeps 0.2–0.6× capacity, p99 5–12 s; 16 keeps 0.7–1.1×, p99 1.1–1.6 s). The excess is
     * refused RESOURCE_EXHAUSTED + RetryInfo from its metadata, which costs a header frame.
     */
    max_concurrent_requests: z.number().int().positive().default(16),
    keepalive: keepaliveSchema,
    ...listenerSecurity,
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
    /** Time a client has to send its request headers; a slower one is answered 408 and cut off. */
    read_header_timeout: duration('10s'),
    /** Time a client has to send a whole request, body included; a slower one is answered 408 and cut off. */
    read_timeout: duration('30s'),
    ...requestLimits,
    ...listenerSecurity,
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
