import { z } from 'zod';
import { duration, regexMap } from '../../config/schema-helpers.ts';

/** A metric name, or `{ metric, match_labels }` to count only some of its series. */
const operandSchema = z.union([z.string().min(1).transform((metric) => ({ metric, match_labels: {} as Record<string, string> })), z.object({ metric: z.string().min(1), match_labels: regexMap().default({}) }).strict()]);

export const ratioConfigSchema = z
  .object({
    /** The increases are taken over this window, as `rate(x[5m]) / rate(y[5m])` does. */
    window: duration('5m'),
    ratios: z
      .array(
        z
          .object({
            /** The gauge emitted (unit `1`). */
            name: z.string().min(1),
            numerator: operandSchema,
            denominator: operandSchema,
            /** The labels of the ratio; default: the labels both the numerator's and the denominator's series carry. */
            by: z.array(z.string()).optional(),
            /** 100 for percent. */
            scale: z.number().finite().positive().default(1),
          })
          .strict(),
      )
      .min(1),
    /** Bound on the input series held (numerators and denominators of every ratio); new ones beyond it are left out and counted. */
    max_tracked_series: z.number().int().positive().default(100_000),
  })
  .strict();

export type RatioConfig = z.infer<typeof ratioConfigSchema>;
export type RatioDefinition = RatioConfig['ratios'][number];
