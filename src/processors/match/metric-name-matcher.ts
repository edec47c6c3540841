import { z } from 'zod';
import { checkRegex } from '../../config/schema-helpers.ts';

/** `{ match_type: strict | regexp, metric_names: [...] }`, as the Collector's include/exclude blocks. */
export const metricNameMatchSchema = z
  .object({
    match_type: z.enum(['strict', 'regexp']).default('strict'),
    metric_names: z.array(z.string()).min(1),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.match_type !== 'regexp') return;
    m.metric_names.forEach((p, i) => checkRegex(ctx, p, ['metric_names', i]));
  });

export type MetricNameMatch = z.infer<typeof metricNameMatchSchema>;

/** Whether a metric name is in scope of an include and outside an exclude; decided once per name. */
export function metricNameFilter(include: MetricNameMatch | undefined, exclude: MetricNameMatch | undefined): (name: string) => boolean {
  const inc = include && matcher(include);
  const exc = exclude && matcher(exclude);
  const cache = new Map<string, boolean>();
  return (name) => {
    let ok = cache.get(name);
    if (ok === undefined) {
      ok = (!inc || inc(name)) && !(exc && exc(name));
      if (cache.size < 10_000) cache.set(name, ok);
    }
    return ok;
  };
}

function matcher(m: MetricNameMatch): (name: string) => boolean {
  if (m.match_type === 'strict') {
    const names = new Set(m.metric_names);
    return (n) => names.has(n);
  }
  const res = m.metric_names.map((p) => new RegExp(p));
  return (n) => res.some((re) => re.test(n));
}
