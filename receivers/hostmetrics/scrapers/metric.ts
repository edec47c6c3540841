import type { Attributes } from '../../../src/model/common.ts';
import type { GaugeMetric, Metric, NumberDataPoint, SumMetric } from '../../../src/model/metrics.ts';

/** What every scraper is told for one collection. */
export interface ScrapeContext {
  /** Where the host's `/proc` is (`/proc`, or `<root_path>/proc` when the host is mounted into a container). */
  procDir: string;
  /** `root_path` ('' for the host itself): prefixed to mount points before statfs. */
  rootPath: string;
  nowNs: number;
  /** The host's boot time: the start time of its cumulative counters, as the Collector stamps them. */
  bootNs: number;
  /** Whether a metric is on (its default, or the scraper's `metrics: { name: { enabled } }`). */
  enabled(name: string): boolean;
}

/** Builds one metric's points, stamped with the collection's times. */
export class Points {
  readonly points: NumberDataPoint[] = [];
  constructor(
    private readonly startNs: number,
    private readonly timeNs: number,
  ) {}

  add(value: number, attributes: Attributes = {}): this {
    this.points.push({ attributes, startTimeUnixNano: this.startNs, timeUnixNano: this.timeNs, flags: 0, value });
    return this;
  }
}

export interface MetricInfo {
  unit: string;
  description: string;
  /** A monotonic cumulative sum; `updown` a non-monotonic one; `gauge` a gauge. */
  kind: 'counter' | 'updown' | 'gauge';
  /** On unless the scraper's `metrics:` turns it off; optional ones (false) must be turned on. */
  enabled: boolean;
}

/** The metric `name` as `info` describes it, holding `points`. */
export function metricOf(name: string, info: MetricInfo, points: NumberDataPoint[]): Metric {
  if (info.kind === 'gauge') return { name, description: info.description, unit: info.unit, type: 'gauge', points } satisfies GaugeMetric;
  return { name, description: info.description, unit: info.unit, type: 'sum', temporality: 'cumulative', monotonic: info.kind === 'counter', points } satisfies SumMetric;
}

/** The enabled metrics among `built`, in the order built (a metric with no points is left out). */
export function emit(ctx: ScrapeContext, metrics: Readonly<Record<string, MetricInfo>>, built: Record<string, NumberDataPoint[]>): Metric[] {
  const out: Metric[] = [];
  for (const [name, points] of Object.entries(built)) {
    if (points.length > 0 && ctx.enabled(name)) out.push(metricOf(name, metrics[name]!, points));
  }
  return out;
}

/** `/proc` text split in whitespace-separated fields, line by line (blank lines left out). */
export function fieldLines(text: string): string[][] {
  const out: string[][] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0]) out.push(f);
  }
  return out;
}
