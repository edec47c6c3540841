import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { ConfigIssue } from '../../config/errors.ts';
import { regex } from '../../config/schema-helpers.ts';
import { SourceFile } from '../../config/source.ts';

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A day `YYYY-MM-DD`, read as its first instant in UTC (ms). */
const day = z
  .string({ invalid_type_error: 'expected a date "YYYY-MM-DD" (quote it if your editor makes it a timestamp)' })
  .transform((text, ctx) => {
    const m = DAY.exec(text);
    const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
    if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${text}" is not a date "YYYY-MM-DD"` });
      return z.NEVER;
    }
    return ms;
  });

const usdPerMillion = z.number({ invalid_type_error: 'expected USD per million tokens, a number' }).finite().nonnegative();

const priceSchema = z
  .object({
    /** The model's exact name, as `gen_ai.response.model` or `gen_ai.request.model` carries it. */
    model: z.string().min(1).optional(),
    /** Or a regular expression on the name (anchor it yourself), for dated or versioned names. */
    pattern: regex().optional(),
    /** USD per million input tokens. */
    input: usdPerMillion,
    /** USD per million output tokens. */
    output: usdPerMillion,
    /** The day (UTC) this price took effect; tokens counted before it take the previous price. */
    since: day,
  })
  .strict()
  .superRefine((p, ctx) => {
    if ((p.model === undefined) === (p.pattern === undefined)) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'give exactly one of "model" (an exact name) and "pattern" (a regular expression)' });
  });

const tableSchema = z
  .object({
    /** Prices by provider, named as `gen_ai.provider.name` (or the older `gen_ai.system`) names it. */
    providers: z.record(z.array(priceSchema).min(1, 'list at least one price')),
  })
  .strict();

type PriceRow = z.infer<typeof priceSchema>;

/** The prices of one model name or pattern, newest first. */
interface Matcher {
  model?: string;
  pattern?: RegExp;
  prices: { since: number; input: number; output: number }[];
}

export type TokenType = 'input' | 'output';

/** A price looked up: USD per million tokens of the type asked. */
export interface Price {
  usdPerMillion: number;
}

/**
 * The price table: per provider, exact model names first, then patterns in the order written; among
 * one name's or pattern's prices, the newest that took effect by the time of the tokens. A model with
 * no entry, or tokens from before its first price, have no price: never a guess.
 */
export class PriceTable {
  private readonly providers = new Map<string, { exact: Map<string, Matcher>; patterns: Matcher[] }>();
  private readonly cache = new Map<string, Matcher | null>();

  constructor(rows: Record<string, PriceRow[]>) {
    for (const [provider, list] of Object.entries(rows)) {
      const p = { exact: new Map<string, Matcher>(), patterns: [] as Matcher[] };
      const byPattern = new Map<string, Matcher>();
      for (const row of list) {
        let m: Matcher | undefined;
        if (row.model !== undefined) {
          m = p.exact.get(row.model);
          if (!m) p.exact.set(row.model, (m = { model: row.model, prices: [] }));
        } else {
          m = byPattern.get(row.pattern!);
          if (!m) {
            byPattern.set(row.pattern!, (m = { pattern: new RegExp(row.pattern!), prices: [] }));
            p.patterns.push(m);
          }
        }
        m.prices.push({ since: row.since, input: row.input, output: row.output });
      }
      for (const m of [...p.exact.values(), ...p.patterns]) m.prices.sort((a, b) => b.since - a.since);
      this.providers.set(provider, p);
    }
  }

  /** The price of `tokenType` tokens of `model` from `provider` at `timeMs`, or undefined: unpriced. */
  price(provider: string, model: string, tokenType: TokenType, timeMs: number): Price | undefined {
    const key = `${provider}\u0000${model}`;
    let m = this.cache.get(key);
    if (m === undefined) {
      const p = this.providers.get(provider);
      m = p?.exact.get(model) ?? p?.patterns.find((x) => x.pattern!.test(model)) ?? null;
      if (this.cache.size < 10_000) this.cache.set(key, m);
    }
    const row = m?.prices.find((x) => x.since <= timeMs);
    return row ? { usdPerMillion: row[tokenType] } : undefined;
  }
}

/** Reads and checks a price table; every problem is located in the file, with its YAML path and line. */
export function loadPriceTable(file: string): { table?: PriceTable; issues: ConfigIssue[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { issues: [{ file, path: [], line: 0, column: 0, message: `cannot read the price table: ${(error as Error).message}` }] };
  }
  const { source, issues } = SourceFile.parse(file, text);
  if (issues.length > 0) return { issues };
  const parsed = tableSchema.safeParse(source.value() ?? {});
  if (!parsed.success) {
    return {
      issues: parsed.error.issues.flatMap((i) =>
        i.code === z.ZodIssueCode.unrecognized_keys ? i.keys.map((k) => source.issue([...i.path, k], `unknown key "${k}"`)) : [source.issue(i.path, i.message)],
      ),
    };
  }
  const dup: ConfigIssue[] = [];
  for (const [provider, list] of Object.entries(parsed.data.providers)) {
    const seen = new Map<string, number>();
    list.forEach((row, i) => {
      const key = `${row.model ?? `/${row.pattern}/`} ${row.since}`;
      const first = seen.get(key);
      if (first !== undefined) dup.push(source.issue(['providers', provider, i], `a second price for ${row.model ?? `pattern "${row.pattern}"`} taking effect the same day as providers.${provider}[${first}]`));
      else seen.set(key, i);
    });
  }
  return dup.length > 0 ? { issues: dup } : { table: new PriceTable(parsed.data.providers), issues: [] };
}
