import { z } from 'zod';
import { regex, regexMap } from '../../config/schema-helpers.ts';


export const renameRuleSchema = z
  .object({
    /** The metric's exact name. */
    from: z.string().min(1).optional(),
    /** Or a regular expression on the name (anchor it yourself); its groups are `$1`, `$2`… in `to` and `histogram_count`. */
    match: regex().optional(),
    /** The new name (omitted: the name stays). */
    to: z.string().min(1).optional(),
    /** Only the data points whose labels all match (regular expressions) go through this rule. */
    match_labels: regexMap().optional(),
    /** `update` renames in place; `insert` adds the renamed copy beside the original. */
    action: z.enum(['update', 'insert']).default('update'),
    /** Label renames for this rule, after the processor-wide `labels`. */
    labels: z.record(z.string().min(1)).default({}),
    /** Label value maps, by the label's new name: `{ status: { "200": "OK" } }`. */
    values: z.record(z.record(z.string())).default({}),
    /** Keep only these labels, merging the points that then share a label set. */
    aggregate_labels: z.array(z.string()).optional(),
    /** How merged gauge points combine. */
    gauge_aggregation: z.enum(['last', 'max', 'min', 'mean', 'sum']).default('last'),
    /** Multiply values (sums, gauges, histogram sums, min, max and bounds; never counts). */
    scale: z.number().finite().positive().optional(),
    /** The unit after scaling, e.g. `ms`. */
    unit: z.string().optional(),
    /** Also emit the histogram's count as a monotonic counter of this name. */
    histogram_count: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if ((r.from === undefined) === (r.match === undefined)) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'give exactly one of "from" (an exact name) and "match" (a regular expression)' });
    for (const key of ['to', 'histogram_count'] as const) {
      if (r.from !== undefined && /\$\d/.test(r[key] ?? '')) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [key], message: `"$N" in ${key} needs "match" (a regular expression with groups), not "from"` });
    }
    if (r.histogram_count !== undefined && r.histogram_count === (r.to ?? r.from)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['histogram_count'], message: `"${r.histogram_count}" would be both the histogram and its count (a counter): two types under one name` });
    }
  });

export const renameConfigSchema = z
  .object({
    /** Label renames for every metric that passes through: `{ http.route: route }`. */
    labels: z.record(z.string().min(1)).default({}),
    /** Rules, first match wins for each data point. */
    metrics: z.array(renameRuleSchema).default([]),
  })
  .strict()
  .superRefine((c, ctx) => {
    // A counter made by histogram_count cannot share a name with a histogram another rule makes.
    c.metrics.forEach((a, i) => {
      if (!a.histogram_count) return;
      c.metrics.forEach((b, j) => {
        if (i !== j && b.histogram_count !== undefined && (b.to ?? b.from) === a.histogram_count) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['metrics', j, 'to'], message: `"${a.histogram_count}" is the counter of metrics[${i}].histogram_count and the histogram renamed here: two types under one name` });
        }
      });
    });
  });

export type RenameRule = z.infer<typeof renameRuleSchema>;
export type RenameConfig = z.infer<typeof renameConfigSchema>;
