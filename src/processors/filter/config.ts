import { z } from 'zod';
import { duration, regexMap } from '../../config/schema-helpers.ts';
import { metricNameMatchSchema } from '../match/metric-name-matcher.ts';

const labelMatchSchema = z.object({ labels: regexMap() }).strict();

export const filterConfigSchema = z
  .object({
    /** Keep only metrics the include names (if given), then drop those the exclude names. */
    metrics: z.object({ include: metricNameMatchSchema.optional(), exclude: metricNameMatchSchema.optional() }).strict().default({}),
    /** Keep only points whose labels all match `include`; drop points whose labels all match `exclude`. */
    datapoints: z.object({ include: labelMatchSchema.optional(), exclude: labelMatchSchema.optional() }).strict().default({}),
    /** Drop points older than this (stale). */
    max_age: duration('0s').optional(),
    /** Drop points further ahead than this (clock skew). */
    max_future: duration('0s').optional(),
  })
  .strict()
  .default({});

export type FilterConfig = z.infer<typeof filterConfigSchema>;
