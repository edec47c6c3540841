import { z } from 'zod';

const DURATION = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDurationMs(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : undefined;
}

/** A duration such as `200ms`, `10s`, `5m`, read as milliseconds. */
export function duration(defaultValue: string) {
  return z
    .string({ invalid_type_error: 'expected a duration such as "200ms", "10s" or "5m"' })
    .default(defaultValue)
    .transform((text, ctx) => {
      const ms = parseDurationMs(text);
      if (ms === undefined) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${text}" is not a duration such as "200ms", "10s" or "5m"` });
        return z.NEVER;
      }
      return ms;
    });
}

export interface Endpoint {
  host: string;
  port: number;
}

/** `host:port` (IPv6 as `[::1]:port`); port 0 asks the system for a free port. */
export function parseEndpoint(text: string): Endpoint | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:\s]*)):(\d{1,5})$/.exec(text.trim());
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

export function endpoint(defaultValue: string) {
  return z
    .string()
    .default(defaultValue)
    .superRefine((text, ctx) => {
      if (!parseEndpoint(text)) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${text}" is not an endpoint "host:port"` });
    });
}

/** A size in bytes: a number, or `20MiB`, `512KiB`, `1GB`. */
export function byteSize(defaultValue: number) {
  return z
    .union([z.number().int().nonnegative(), z.string()])
    .default(defaultValue)
    .transform((value, ctx) => {
      if (typeof value === 'number') return value;
      const m = /^(\d+(?:\.\d+)?)\s*(B|KB|KiB|MB|MiB|GB|GiB)?$/.exec(value.trim());
      if (!m) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${value}" is not a size such as 20MiB` });
        return z.NEVER;
      }
      const unit = { B: 1, KB: 1e3, KiB: 1024, MB: 1e6, MiB: 1024 ** 2, GB: 1e9, GiB: 1024 ** 3 }[m[2] ?? 'B']!;
      return Math.round(Number(m[1]) * unit);
    });
}

function isRegex(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

/**
 * Adds an issue at `path` when `pattern` is not a regular expression: for schemas where only some
 * strings are patterns (a `regexp` match type, keys starting with `^`). Checked at validate time, so a
 * bad pattern is refused with its line rather than thrown by the running processor.
 */
export function checkRegex(ctx: z.RefinementCtx, pattern: string, path: (string | number)[]): void {
  if (!isRegex(pattern)) ctx.addIssue({ code: z.ZodIssueCode.custom, path, message: `"${pattern}" is not a valid regular expression` });
}

/** A regular expression (a string that compiles). */
export function regex() {
  return z.string().refine(isRegex, (p) => ({ message: `"${p}" is not a valid regular expression` }));
}

/** A map of regular expressions, e.g. label name → pattern of its value; each one checked at validate time. */
export function regexMap() {
  return z.record(z.string()).superRefine((m, ctx) => {
    for (const [k, p] of Object.entries(m)) checkRegex(ctx, p, [k]);
  });
}
