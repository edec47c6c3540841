import { z } from 'zod';
import { compileRegex } from './relabel.ts';

/**
 * The `prometheus` receiver's config: the Collector's `config.scrape_configs`, a subset of Prometheus's
 * own scrape config with the same keys, defaults and duration syntax, so a block copied from a
 * `prometheus.yml` works unchanged when it only uses these keys (and is refused, with the key, when not).
 */

const PROM_DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const PROM_UNITS_MS = [365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1];

/** Prometheus's duration syntax (`15s`, `1m30s`, `500ms`, `1d`), in milliseconds; undefined if not one. */
export function parsePromDurationMs(text: string): number | undefined {
  const m = PROM_DURATION.exec(text.trim());
  if (!m || text.trim() === '') return undefined;
  return PROM_UNITS_MS.reduce((ms, unit, i) => ms + Number(m[i + 1] ?? 0) * unit, 0);
}

function promDuration() {
  return z.string({ invalid_type_error: 'expected a duration such as "15s", "1m30s" or "500ms"' }).transform((text, ctx) => {
    const ms = parsePromDurationMs(text);
    if (ms === undefined || ms === 0) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${text}" is not a duration such as "15s", "1m30s" or "500ms"` });
      return z.NEVER;
    }
    return ms;
  });
}

/** A Prometheus regular expression: RE2 syntax, always anchored at both ends. */
const relabelRegex = z
  .string()
  .default('(.*)')
  .superRefine((text, ctx) => {
    try {
      compileRegex(text);
    } catch (error) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${text}" is not a valid regular expression: ${(error as Error).message}` });
    }
  });

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const relabelConfigSchema = z
  .object({
    /** Labels whose values, joined by `separator`, the regex is matched against (`__name__` is the metric name). */
    source_labels: z.array(z.string().regex(LABEL_NAME, 'not a label name')).default([]),
    separator: z.string().default(';'),
    regex: relabelRegex,
    /** `replace` only: the label to write (`$1`, `${name}` are expanded). */
    target_label: z.string().optional(),
    /** `replace` only: the value written, with the regex's groups expanded; an empty result removes the label. */
    replacement: z.string().default('$1'),
    /** `keep` drops samples that do not match, `drop` those that do, `replace` writes `target_label`. */
    action: z.enum(['replace', 'keep', 'drop']).default('replace'),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.action === 'replace' && r.target_label === undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['target_label'], message: 'action "replace" needs a target_label' });
    if (r.action !== 'replace' && r.source_labels.length === 0) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['source_labels'], message: `action "${r.action}" needs source_labels` });
  });

export type RelabelConfig = z.infer<typeof relabelConfigSchema>;

const secretOrFile = (value: string, file: string) => (c: Record<string, unknown>, ctx: z.RefinementCtx) => {
  if (c[value] !== undefined && c[file] !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [file], message: `set ${value} or ${file}, not both` });
};

const basicAuthSchema = z
  .object({ username: z.string().min(1), password: z.string().optional(), password_file: z.string().min(1).optional() })
  .strict()
  .superRefine(secretOrFile('password', 'password_file'));

const authorizationSchema = z
  .object({
    /** The scheme of the `Authorization` header. */
    type: z.string().regex(/^[A-Za-z][A-Za-z0-9-]*$/, 'not an authorization scheme').default('Bearer'),
    credentials: z.string().optional(),
    credentials_file: z.string().min(1).optional(),
  })
  .strict()
  .superRefine(secretOrFile('credentials', 'credentials_file'));

const tlsConfigSchema = z
  .object({
    /** CA certificate(s) to verify the target with (PEM); default: the system's. */
    ca_file: z.string().min(1).optional(),
    /** Client certificate and key, for targets that ask for one. */
    cert_file: z.string().min(1).optional(),
    key_file: z.string().min(1).optional(),
    /** The name to verify the target's certificate against (default: the target's host). */
    server_name: z.string().min(1).optional(),
    insecure_skip_verify: z.boolean().default(false),
    min_version: z.enum(['TLS12', 'TLS13']).optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    if ((t.cert_file === undefined) !== (t.key_file === undefined)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [t.cert_file ? 'key_file' : 'cert_file'], message: 'cert_file and key_file go together' });
  });

export type TlsConfig = z.infer<typeof tlsConfigSchema>;

const staticConfigSchema = z
  .object({
    /**
     * `host:port` of each target. Empty strings are ignored, so `targets: [${env:X:-}]` with X unset
     * means none.
     */
    targets: z.array(z.string().regex(/^$|^[^/\s]+:\d{1,5}$/, 'not a target "host:port"').nullable()).default([]).transform((ts) => ts.filter((t): t is string => t !== null && t !== '')),
    /** Labels added to every sample of these targets (`job` and `instance` among them replace the defaults). */
    labels: z.record(z.string().regex(LABEL_NAME, 'not a label name'), z.string()).default({}),
  })
  .strict();

const scrapeConfigSchema = z
  .object({
    job_name: z.string().min(1),
    scrape_interval: promDuration().default('1m'),
    /** Default: 10s, or the interval when shorter. */
    scrape_timeout: promDuration().optional(),
    metrics_path: z.string().startsWith('/').default('/metrics'),
    scheme: z.enum(['http', 'https']).default('http'),
    /** Query parameters added to every scrape. */
    params: z.record(z.array(z.string())).default({}),
    /** On a clash with a target label, keep the scraped label's value (else it is kept as `exported_<name>`). */
    honor_labels: z.boolean().default(false),
    /** Use the timestamps the target writes (else each sample has the scrape's time). */
    honor_timestamps: z.boolean().default(true),
    static_configs: z.array(staticConfigSchema).default([]),
    basic_auth: basicAuthSchema.optional(),
    authorization: authorizationSchema.optional(),
    tls_config: tlsConfigSchema.optional(),
    /** Applied to every scraped sample, in order, before it becomes a point. */
    metric_relabel_configs: z.array(relabelConfigSchema).default([]),
    /** A body larger than this fails the scrape (0: no limit). Bytes, after decompression. */
    body_size_limit: z.number().int().nonnegative().default(50 * 1024 * 1024),
  })
  .strict()
  .transform((c, ctx) => {
    const timeout = c.scrape_timeout ?? Math.min(10_000, c.scrape_interval);
    if (timeout > c.scrape_interval) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['scrape_timeout'], message: 'scrape_timeout must not be longer than scrape_interval' });
    if (c.basic_auth && c.authorization) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['authorization'], message: 'set basic_auth or authorization, not both' });
    return { ...c, scrape_timeout: timeout };
  });

export type ScrapeConfig = z.infer<typeof scrapeConfigSchema>;

export const prometheusReceiverConfigSchema = z
  .object({
    config: z
      .object({
        scrape_configs: z
          .array(scrapeConfigSchema)
          .min(1)
          .superRefine((jobs, ctx) => {
            jobs.forEach((j, i) => {
              if (jobs.findIndex((o) => o.job_name === j.job_name) !== i) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [i, 'job_name'], message: `job_name "${j.job_name}" is used twice` });
            });
          }),
      })
      .strict(),
  })
  .strict();

export type PrometheusReceiverConfig = z.infer<typeof prometheusReceiverConfigSchema>;

/** Every target of the config; none means the receiver is off. */
export function targetCount(config: PrometheusReceiverConfig): number {
  return config.config.scrape_configs.reduce((n, j) => n + j.static_configs.reduce((m, s) => m + s.targets.length, 0), 0);
}
