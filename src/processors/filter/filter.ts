import type { CreateSettings } from '../../component/component.ts';
import type { Attributes } from '../../model/common.ts';
import type { Metric, MetricsBatch } from '../../model/metrics.ts';
import { mapMetrics } from '../../model/transform.ts';
import { compileLabelTests, labelsMatch, type LabelTests } from '../match/label-match.ts';
import { metricNameFilter } from '../match/metric-name-matcher.ts';
import type { FilterConfig } from './config.ts';

const compile = (m: Record<string, string> | undefined): LabelTests | undefined => m && compileLabelTests(m);

/** The `filter` transform: metrics by name, points by label values and by time; every drop counted by reason. */
export class FilterTransform {
  private readonly keepMetric: (name: string) => boolean;
  private readonly include: LabelTests | undefined;
  private readonly exclude: LabelTests | undefined;

  constructor(
    private readonly config: FilterConfig,
    private readonly settings: CreateSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.keepMetric = metricNameFilter(config.metrics.include, config.metrics.exclude);
    this.include = compile(config.datapoints.include?.labels);
    this.exclude = compile(config.datapoints.exclude?.labels);
  }

  processMetrics(batch: MetricsBatch): MetricsBatch {
    const nowNs = this.now() * 1e6;
    const oldest = this.config.max_age ? nowNs - this.config.max_age * 1e6 : -Infinity;
    const newest = this.config.max_future ? nowNs + this.config.max_future * 1e6 : Infinity;
    const dropped = { metric_filtered: 0, datapoint_filtered: 0, too_old: 0, in_future: 0 };
    const out = mapMetrics(batch, (m) => {
      if (!this.keepMetric(m.name)) {
        dropped.metric_filtered += m.points.length;
        return undefined;
      }
      const points = m.points.filter((p) => {
        const reason = this.dropReason(p, oldest, newest);
        if (reason) dropped[reason]++;
        return reason === undefined;
      });
      if (points.length === m.points.length) return m;
      return points.length === 0 ? undefined : ({ ...m, points } as Metric);
    });
    for (const [reason, n] of Object.entries(dropped)) if (n > 0) this.settings.telemetry.dropped(n, reason);
    return out;
  }

  private dropReason(p: { attributes: Attributes; timeUnixNano: number }, oldest: number, newest: number): 'datapoint_filtered' | 'too_old' | 'in_future' | undefined {
    if (this.include && !labelsMatch(this.include, p.attributes)) return 'datapoint_filtered';
    if (this.exclude && labelsMatch(this.exclude, p.attributes)) return 'datapoint_filtered';
    if (p.timeUnixNano < oldest) return 'too_old';
    if (p.timeUnixNano > newest) return 'in_future';
    return undefined;
  }
}
