import { z } from 'zod';
import { parseDurationMs, parseEndpoint } from './schema-helpers.ts';

/**
 * `service.telemetry`: the gateway's own metrics, traces and logs, in the shape of the OpenTelemetry
 * Collector's `service::telemetry` (the SDK's declarative configuration), so an operator's Collector
 * config carries over. Settings the Collector has and Switchyard does not are refused by name (never
 * as an unknown key), so the operator learns what to drop.
 */

/** A Collector setting Switchyard does not implement: any written value is refused with `why`. */
function unsupported(why: string) {
  return z
    .unknown()
    .optional()
    .superRefine((value, ctx) => {
      if (value !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `a setting of the OpenTelemetry Collector that Switchyard does not support: ${why}` });
    });
}

/** Milliseconds as the Collector writes them (`60000`), or a duration (`60s`). */
function millis(defaultMs: number) {
  return z
    .union([z.number().int().positive(), z.string()])
    .default(defaultMs)
    .transform((value, ctx) => {
      if (typeof value === 'number') return value;
      const ms = parseDurationMs(value);
      if (ms === undefined || ms <= 0) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${value}" is not milliseconds (60000) or a duration such as "60s"` });
        return z.NEVER;
      }
      return ms;
    });
}

/** Headers as a mapping (`name: value`) or, as the SDK's declarative schema writes them, a list of `{name, value}`. */
const headersSchema = z
  .union([z.record(z.string()), z.array(z.object({ name: z.string().min(1), value: z.string() }).strict())])
  .default({})
  .transform((h) => (Array.isArray(h) ? Object.fromEntries(h.map(({ name, value }) => [name, value])) : h));

const otlpExporterSchema = z
  .object({
    protocol: z.string().default('http/protobuf').superRefine((p, ctx) => {
      if (p === 'grpc') ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'protocol "grpc" is not supported for the gateway\'s own telemetry; use http/protobuf or http/json' });
      else if (p !== 'http/protobuf' && p !== 'http/json') ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${p}" is not a protocol; use http/protobuf or http/json` });
    }),
    /** `http://host:4318` (the signal's path `/v1/metrics`, `/v1/traces` is added) or a full URL with its path. */
    endpoint: z.string().url('expected a URL such as "http://127.0.0.1:4318"'),
    headers: headersSchema,
    compression: z.enum(['gzip', 'none']).default('none'),
    timeout: millis(10_000),
    temporality_preference: unsupported('"temporality_preference" (the gateway pushes cumulative sums)'),
    insecure: unsupported('"insecure" (TLS is chosen by the endpoint\'s scheme)'),
    certificate: unsupported('"certificate"'),
    client_key: unsupported('"client_key"'),
    client_certificate: unsupported('"client_certificate"'),
    default_histogram_aggregation: unsupported('"default_histogram_aggregation"'),
  })
  .strict();
export type OtlpExporterConfig = z.output<typeof otlpExporterSchema>;

const pushExporterSchema = z
  .object({
    otlp: otlpExporterSchema.optional(),
    console: unsupported('the "console" exporter; use the otlp exporter'),
  })
  .strict()
  .refine((e) => e.otlp !== undefined, 'an exporter is needed: otlp');

const periodicReaderSchema = z
  .object({
    interval: millis(60_000),
    timeout: millis(30_000),
    exporter: pushExporterSchema,
    producers: unsupported('"producers"'),
    cardinality_limits: unsupported('"cardinality_limits"'),
  })
  .strict();

const prometheusPullSchema = z
  .object({
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65535),
    without_scope_info: z.boolean().default(false),
    without_target_info: z.boolean().default(false),
    without_units: unsupported('"without_units" (names keep the units the gateway gives them)'),
    without_type_suffix: unsupported('"without_type_suffix"'),
    with_resource_constant_labels: unsupported('"with_resource_constant_labels" (the resource is on target_info)'),
  })
  .strict();

const pullReaderSchema = z
  .object({
    exporter: z.object({ prometheus: prometheusPullSchema }).strict(),
    producers: unsupported('"producers"'),
    cardinality_limits: unsupported('"cardinality_limits"'),
  })
  .strict();

const readerSchema = z
  .object({ periodic: periodicReaderSchema.optional(), pull: pullReaderSchema.optional() })
  .strict()
  .refine((r) => (r.periodic === undefined) !== (r.pull === undefined), 'a reader is either periodic or pull');
export type ReaderConfig = z.output<typeof readerSchema>;

export const METRICS_LEVELS = ['none', 'basic', 'normal', 'detailed'] as const;
export type MetricsLevel = (typeof METRICS_LEVELS)[number];

const metricsSchema = z
  .object({
    level: z.enum(METRICS_LEVELS).default('normal'),
    readers: z.array(readerSchema).default([]),
    /** The Collector's older form of one pull reader, `host:port`. */
    address: z.string().refine((a) => parseEndpoint(a) !== undefined, 'expected "host:port"').optional(),
    views: unsupported('"views"'),
  })
  .strict()
  .default({});

const samplerSchema: z.ZodType<SamplerConfig, z.ZodTypeDef, unknown> = z.lazy(() =>
  z.union([
    z.object({ always_on: z.null().or(z.object({}).strict()) }).strict(),
    z.object({ always_off: z.null().or(z.object({}).strict()) }).strict(),
    z.object({ trace_id_ratio_based: z.object({ ratio: z.number().min(0).max(1) }).strict() }).strict(),
    z.object({ parent_based: z.object({ root: samplerSchema }).strict() }).strict(),
  ]),
);
export type SamplerConfig =
  | { always_on: Record<string, never> | null }
  | { always_off: Record<string, never> | null }
  | { trace_id_ratio_based: { ratio: number } }
  | { parent_based: { root: SamplerConfig } };

const spanProcessorSchema = z
  .object({
    batch: z
      .object({
        exporter: pushExporterSchema,
        schedule_delay: millis(5_000),
        export_timeout: millis(30_000),
        max_queue_size: z.number().int().positive().default(2048),
        max_export_batch_size: z.number().int().positive().default(512),
      })
      .strict()
      .optional(),
    simple: unsupported('the "simple" span processor; use batch'),
  })
  .strict()
  .refine((p) => p.batch !== undefined, 'a span processor is needed: batch');

const tracesSchema = z
  .object({
    /** The Collector's `none` turns traces off; any other level keeps them as configured. */
    level: z.enum(METRICS_LEVELS).default('basic'),
    processors: z.array(spanProcessorSchema).default([]),
    sampler: samplerSchema.default({ parent_based: { root: { always_on: null } } }),
    propagators: unsupported('"propagators"'),
  })
  .strict()
  .default({});

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

export const logsSchema = z
  .object({
    /** Written as the Collector's (`DEBUG`, `info`): any case. Unset, LOG_LEVEL (or info) stands. */
    level: z
      .string()
      .transform((l) => l.toLowerCase())
      .pipe(z.enum(LOG_LEVELS, { errorMap: () => ({ message: `expected one of ${LOG_LEVELS.join(', ')}` }) }))
      .optional(),
    /** `json` lines, or `console` (one readable line per entry); unset, LOG_FORMAT (or json) stands. */
    encoding: z.enum(['json', 'console']).optional(),
    initial_fields: z.record(z.union([z.string(), z.number(), z.boolean()])).default({}),
    development: unsupported('"development"'),
    disable_caller: unsupported('"disable_caller"'),
    disable_stacktrace: unsupported('"disable_stacktrace"'),
    sampling: unsupported('"sampling" (the gateway logs events, not per-item lines)'),
    output_paths: unsupported('"output_paths" (logs go to stderr)'),
    error_output_paths: unsupported('"error_output_paths" (logs go to stderr)'),
    processors: unsupported('"processors" (exporting the gateway\'s logs over OTLP)'),
  })
  .strict()
  .default({});

export const telemetrySchema = z
  .object({
    /** Resource attributes of the gateway's own telemetry; `null` removes a default one. */
    resource: z.record(z.union([z.string(), z.number(), z.boolean(), z.null()])).default({}),
    metrics: metricsSchema,
    traces: tracesSchema,
    logs: logsSchema,
  })
  .strict()
  .default({});

export type TelemetryConfig = z.output<typeof telemetrySchema>;
export type LogsConfig = z.output<typeof logsSchema>;

/** The pull readers of a config: `readers` with `pull`, and the Collector's older `metrics.address`. */
export function pullReaders(config: TelemetryConfig): { endpoint: string; without_scope_info: boolean; without_target_info: boolean; path: (string | number)[] }[] {
  const out = config.metrics.readers.flatMap((r, i) =>
    r.pull ? [{ without_scope_info: r.pull.exporter.prometheus.without_scope_info, without_target_info: r.pull.exporter.prometheus.without_target_info, endpoint: hostPort(r.pull.exporter.prometheus.host, r.pull.exporter.prometheus.port), path: ['metrics', 'readers', i, 'pull', 'exporter', 'prometheus', 'port'] as (string | number)[] }] : [],
  );
  if (config.metrics.address !== undefined) {
    out.push({ endpoint: config.metrics.address, without_scope_info: false, without_target_info: false, path: ['metrics', 'address'] });
  }
  return out;
}

/** `host:port`, an IPv6 host in brackets. */
function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
