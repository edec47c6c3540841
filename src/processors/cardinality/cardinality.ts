import type { CreateSettings } from '../../component/component.ts';
import type { Resource } from '../../model/common.ts';
import type { MetricsBatch } from '../../model/metrics.ts';
import type { MergeableDetail } from '../../pipeline/health.ts';
import { attributesKey } from '../../model/series-key.ts';
import { mapMetrics } from '../../model/transform.ts';
import { CardinalityMetrics } from './cardinality-metrics.ts';
import type { CardinalityConfig } from './config.ts';
import { Limiter } from './limiter.ts';
import { MetricLimits } from './metric-limits.ts';
import { SeriesMemory } from './series-memory.ts';
import { Sweeper } from './sweeper.ts';
import { TopLabels, type TopLabelRow } from './top-labels.ts';

/**
 * The `cardinality` processor: the first label sets of each metric (per resource) are kept; later ones
 * past the limit fold into the overflow series (nothing lost), get `__overflow__` as the offending label's
 * value, or are dropped and counted. Denied labels are removed and the series they split merged. Series
 * that merge add up as aggregation would, counters by increases, so they never go down.
 * This class wires the parts: `Limiter` (limiting and routing, with `MergedSeries` for the overflow),
 * `SeriesMemory` (what is remembered), `Sweeper`, `CardinalityMetrics` and the `top_labels` detail.
 */
export class CardinalityTransform {
  private readonly memory: SeriesMemory;
  private readonly limiter: Limiter;
  private readonly sweeper: Sweeper;
  private readonly metrics: CardinalityMetrics;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    config: CardinalityConfig,
    settings: CreateSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.memory = new SeriesMemory(config.max_tracked_series, config.series_ttl, Object.entries(config.max_label_values));
    this.limiter = new Limiter(config, this.memory, new MetricLimits(config));
    this.sweeper = new Sweeper(this.memory, config.series_ttl);
    this.metrics = new CardinalityMetrics(settings, this.memory);
    // Computed when /health/detailed is read, never on the data path.
    settings.health.setDetail('top_labels', { toJSON: () => this.topLabels(), forMerge: () => TopLabels.mergeableRows(this.labelsByMetric()) } satisfies MergeableDetail);
    settings.health.setDetail('series_by_metric', { toJSON: () => this.seriesByMetric() });
  }

  processMetrics(batch: MetricsBatch): MetricsBatch {
    const nowMs = this.now();
    // Label sets gone quiet free their slots before this batch claims any.
    this.sweeper.sweep(nowMs);
    let resource: Resource | undefined;
    let resourceKey = '';
    const out = mapMetrics(batch, (m, ctx) => {
      if (ctx.resource !== resource) {
        resource = ctx.resource;
        resourceKey = attributesKey(resource.attributes);
      }
      const { metric, run } = this.limiter.limit(m, resourceKey, nowMs);
      if (run) this.metrics.report(run, m.name);
      return metric;
    });
    this.metrics.publishSeries();
    return out;
  }

  /** Forgets the metrics whose points came from origins another gateway holds now (see SeriesMemory.forget). */
  forgetOrigins(origins: ReadonlySet<string>): void {
    this.memory.forget(origins);
    this.metrics.publishSeries();
  }

  /** Sweeps between batches too, so that the series gauge falls when traffic stops altogether. */
  async start(): Promise<void> {
    this.timer = setInterval(() => {
      this.sweeper.sweep(this.now());
      this.metrics.publishSeries();
    }, this.sweeper.everyMs).unref();
  }

  async shutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.metrics.removeSeries();
  }

  /** Tracked entries (label sets, retired ones included, and merged series), for `npm run bench`. */
  get trackedSeries(): number {
    return this.memory.size;
  }

  /** The metrics with the most live series (over every resource), most first: what the status page shows. */
  seriesByMetric(limit = 20): { metric: string; series: number }[] {
    return [...this.memory.liveByMetric]
      .map(([metric, series]) => ({ metric, series }))
      .sort((a, b) => b.series - a.series || a.metric.localeCompare(b.metric))
      .slice(0, limit);
  }

  /** The labels with the most distinct values among the label sets that went over a limit. */
  topLabels(): TopLabelRow[] {
    return TopLabels.rows(this.labelsByMetric());
  }

  private labelsByMetric(): [string, TopLabels][] {
    const rows: [string, TopLabels][] = [];
    for (const s of this.memory.allStates()) if (s.top) rows.push([s.metric, s.top]);
    return rows;
  }
}
