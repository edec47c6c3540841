import type { CardinalityConfig } from './config.ts';

/** The label-set limit of each metric name: `metrics` (exact names, or patterns starting with `^`), else `max_series_per_metric`. */
export class MetricLimits {
  private readonly limits: { re: RegExp | undefined; name: string; limit: number }[];
  private readonly cache = new Map<string, number>();

  constructor(private readonly config: CardinalityConfig) {
    this.limits = Object.entries(config.metrics).map(([name, limit]) => ({ re: name.startsWith('^') ? new RegExp(name) : undefined, name, limit }));
  }

  of(name: string): number {
    let limit = this.cache.get(name);
    if (limit === undefined) {
      limit = this.limits.find((l) => (l.re ? l.re.test(name) : l.name === name))?.limit ?? this.config.max_series_per_metric;
      if (this.cache.size < 10_000) this.cache.set(name, limit);
    }
    return limit;
  }
}
