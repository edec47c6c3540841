import { z } from 'zod';
import { duration } from '../../config/schema-helpers.ts';

const mib = (key: string) => z.number({ invalid_type_error: `${key} must be a whole number of MiB` }).int(`${key} must be a whole number of MiB`).nonnegative().default(0);
const percentage = (key: string) => z.number({ invalid_type_error: `${key} must be a number from 0 to 100` }).int(`${key} must be a whole number`).min(0).max(100, `${key} must be at most 100`).default(0);

/** The Collector's `memory_limiter` settings, with its names and rules. */
export const memoryLimiterConfigSchema = z
  .object({
    /** How often memory is measured. The Collector requires it; 1s is its recommended value and the default here. */
    check_interval: duration('1s'),
    /** The hard limit in MiB. Takes precedence over `limit_percentage`. */
    limit_mib: mib('limit_mib'),
    /** The largest growth expected between two checks; the soft limit is `limit_mib - spike_limit_mib`. Default: 20% of the limit. */
    spike_limit_mib: mib('spike_limit_mib'),
    /** The hard limit as a percentage of the V8 heap limit (`v8.getHeapStatistics().heap_size_limit`). */
    limit_percentage: percentage('limit_percentage'),
    /** The spike limit as a percentage of the V8 heap limit; used with `limit_percentage`. Default: 20% of the limit. */
    spike_limit_percentage: percentage('spike_limit_percentage'),
    /** Least time between two forced collections above the soft limit (only when node runs with --expose-gc). */
    min_gc_interval_when_soft_limited: duration('10s'),
    /** Least time between two forced collections above the hard limit (only when node runs with --expose-gc). */
    min_gc_interval_when_hard_limited: duration('0s'),
  })
  .strict()
  .default({})
  .superRefine((c, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, path: [path], message });
    if (c.check_interval <= 0) issue('check_interval', 'check_interval must be greater than zero');
    if (c.limit_mib === 0 && c.limit_percentage === 0) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'set limit_mib (MiB) or limit_percentage (of the V8 heap limit) to a value above zero' });
    }
    if (c.limit_mib > 0 && c.spike_limit_mib >= c.limit_mib) issue('spike_limit_mib', 'spike_limit_mib must be smaller than limit_mib');
    if (c.limit_percentage > 0 && c.spike_limit_percentage >= c.limit_percentage) {
      issue('spike_limit_percentage', 'spike_limit_percentage must be smaller than limit_percentage');
    }
    if (c.min_gc_interval_when_soft_limited < c.min_gc_interval_when_hard_limited) {
      issue('min_gc_interval_when_soft_limited', 'min_gc_interval_when_soft_limited must not be shorter than min_gc_interval_when_hard_limited');
    }
  });

export type MemoryLimiterConfig = z.infer<typeof memoryLimiterConfigSchema>;

const MIB = 1024 * 1024;

/** The limits in bytes: the hard limit, and the soft one above which data is refused. */
export interface MemoryLimits {
  hardBytes: number;
  softBytes: number;
}

/** As the Collector computes them: `limit_mib` first, else percentages of `totalBytes`; a spike of 0 means 20% of the limit. */
export function memoryLimits(config: MemoryLimiterConfig, totalBytes: number): MemoryLimits {
  const [hard, spike] = config.limit_mib > 0 ? [config.limit_mib * MIB, config.spike_limit_mib * MIB] : [(config.limit_percentage * totalBytes) / 100, (config.spike_limit_percentage * totalBytes) / 100];
  return { hardBytes: hard, softBytes: hard - (spike > 0 ? spike : hard / 5) };
}
