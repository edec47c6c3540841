import { z } from 'zod';
import { checkRegex, duration } from '../../config/schema-helpers.ts';

export const cardinalityConfigSchema = z
  .object({
    /** Label sets kept per metric (and resource); the OpenTelemetry SDK's default. */
    max_series_per_metric: z.number().int().positive().default(2000),
    /** Per-metric limits: exact names, or regular expressions starting with `^`. */
    metrics: z.record(z.number().int().positive()).default({}),
    /** Distinct values of one label within a metric. */
    max_label_values: z.record(z.number().int().positive()).default({}),
    /** Labels removed before anything else; the series they split are merged as aggregation would. */
    deny_labels: z.array(z.string()).default([]),
    /** Past a limit: `collapse` into `{otel.metric.overflow=true}`, `label_overflow` (label limits: the value becomes `__overflow__`), or `drop`. */
    overflow: z.enum(['collapse', 'label_overflow', 'drop']).default('collapse'),
    /** Bounded labels the overflow series keeps (e.g. service, env): one overflow series per their values. */
    keep_labels: z.array(z.string()).default([]),
    /** A label set unseen this long frees its slot and its label values (its last point is remembered until room is needed). */
    series_ttl: duration('10m'),
    /** Bound on the processor's memory across all metrics: label sets (retired ones included) and merged series. */
    max_tracked_series: z.number().int().positive().default(1_000_000),
  })
  .strict()
  .superRefine((c, ctx) => {
    for (const key of Object.keys(c.metrics)) if (key.startsWith('^')) checkRegex(ctx, key, ['metrics', key]);
  })
  .default({});

export type CardinalityConfig = z.infer<typeof cardinalityConfigSchema>;
