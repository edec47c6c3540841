import type { CreateSettings } from '../../component/component.ts';
import type { OwnCounter } from '../../telemetry/component-telemetry.ts';
import type { Attributes, Resource } from '../../model/common.ts';
import { FLAG_NO_RECORDED_VALUE, type GaugeMetric, type MetricsBatch, type ResourceMetrics } from '../../model/metrics.ts';
import { attributesKey } from '../../model/series-key.ts';
import { currentOrigin, forgottenWith, joinOrigin } from '../../consumer/origin.ts';
import type { RatioConfig } from './config.ts';
import { RatioState, type Group, type Origin, type RatioSeries } from './ratio-state.ts';

/** The scope the ratio gauges are emitted under. */
export const RATIO_SCOPE = Object.freeze({ name: 'switchyard/ratio', version: '', attributes: Object.freeze({}) });

type IgnoreReason = 'not_a_counter' | 'out_of_order' | 'max_tracked_series';

const WHY: Record<IgnoreReason, string> = {
  not_a_counter: 'Ratio inputs left out: the metric is not a monotonic counter (an up-down counter or a gauge has no increase to divide).',
  out_of_order: 'Ratio inputs left out: points not newer than the last point of their series (repeated or out of order).',
  max_tracked_series: 'Ratio inputs left out: max_tracked_series is reached, so new series are not tracked.',
};

/**
 * The `ratio` transform: for each `by` label set, the increase of the numerator over the window divided
 * by the increase of the denominator over the same window, summed over every series that folds into the
 * set. A ratio point is emitted when a new denominator point arrives, stamped with its time. Numerators
 * of a batch are taken in before its denominators, so their order never matters. No increase in the
 * denominator: no point (never NaN, never a division by zero).
 */
export class RatioTransform {
  private readonly ratios: RatioState[];
  private readonly origins = new Map<string, Origin>();
  private readonly ignored: OwnCounter<'processor' | 'ratio' | 'reason'>;
  /** What was logged, by ratio and metric: a warning once per reason, never a key built per point. */
  private readonly logged = new Map<RatioState, Map<string, Set<IgnoreReason>>>();
  private loggedCount = 0;
  private readonly claim = (): boolean => this.claimSeries();
  private readonly id: string;
  private tracked = 0;
  private originSeq = 0;
  private lastSweepMs = 0;

  constructor(
    private readonly config: RatioConfig,
    private readonly settings: CreateSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.ratios = config.ratios.map((def) => new RatioState(def));
    this.id = settings.id.toString();
    this.ignored = settings.telemetry.counter({ name: 'switchyard_ratio_ignored_points_total', help: 'Points of a ratio’s numerator or denominator left out of it, by reason (they still pass on).', labelNames: ['processor', 'ratio', 'reason'] });
  }

  processMetrics(batch: MetricsBatch): MetricsBatch {
    const nowMs = this.now();
    const windowNs = this.config.window * 1e6;
    const origins: (Origin | undefined)[] = [];
    const originOf = (i: number) => (origins[i] ??= this.origin(batch.resourceMetrics[i]!.resource, nowMs));
    const emitted = new Map<string, { resource: Attributes; metrics: Map<string, GaugeMetric> }>();
    for (const r of this.ratios) {
      const ignored = new Map<IgnoreReason, number>();
      const ignore = (reason: IgnoreReason, n: number, metric: string) => {
        ignored.set(reason, (ignored.get(reason) ?? 0) + n);
        this.logOnce(r, metric, reason);
      };
      const arrived: [RatioSeries, number][] = [];
      for (const numerator of [true, false]) {
        const name = numerator ? r.def.numerator.metric : r.def.denominator.metric;
        batch.resourceMetrics.forEach((rm, i) => {
          for (const sm of rm.scopeMetrics) {
            for (const m of sm.metrics) {
              if (m.name !== name) continue;
              if (m.type !== 'sum' || !m.monotonic) {
                ignore('not_a_counter', m.points.length, name);
                continue;
              }
              const delta = m.temporality === 'delta';
              for (const p of m.points) {
                if (p.flags & FLAG_NO_RECORDED_VALUE || !r.matches(numerator, p.attributes)) continue;
                const s = r.seriesOf(numerator, originOf(i), p.attributes, this.claim);
                if (!s) ignore('max_tracked_series', 1, name);
                else if (!s.add(p.timeUnixNano, p.startTimeUnixNano, p.value, delta, windowNs, nowMs)) ignore('out_of_order', 1, name);
                else if (!numerator) arrived.push([s, p.timeUnixNano]);
              }
            }
          }
        });
      }
      for (const [reason, n] of ignored) this.ignored.inc({ processor: this.id, ratio: r.def.name, reason }, n);
      r.settle();
      // Groups are looked up after both sides are in: the default `by` may have changed meanwhile.
      for (const [g, endNs] of latestPerGroup(arrived)) {
        const value = r.ratio(g, endNs, windowNs);
        if (value !== undefined) gaugeOf(emitted, g, r.def.name, this.describe(r)).points.push({ attributes: g.attributes, startTimeUnixNano: 0, timeUnixNano: endNs, flags: 0, value });
      }
    }
    this.sweep(nowMs);
    if (emitted.size === 0) return batch;
    const added: ResourceMetrics[] = [...emitted.values()].map((e) => ({ resource: { attributes: e.resource }, schemaUrl: '', scopeMetrics: [{ scope: RATIO_SCOPE, schemaUrl: '', metrics: [...e.metrics.values()] }] }));
    return { resourceMetrics: [...batch.resourceMetrics, ...added] };
  }

  /** Tracked input series, for the memory figures of `npm run bench`. */
  get trackedSeries(): number {
    return this.tracked;
  }

  /** Counts one more tracked series, if `max_tracked_series` allows. */
  private claimSeries(): boolean {
    if (this.tracked >= this.config.max_tracked_series) return false;
    this.tracked++;
    return true;
  }

  private describe(r: RatioState): string {
    return `${r.def.numerator.metric} / ${r.def.denominator.metric} over ${this.config.window / 1000} s.`;
  }

  private origin(resource: Resource, nowMs: number): Origin {
    const key = attributesKey(resource.attributes);
    let o = this.origins.get(key);
    if (!o) {
      const identity: Attributes = {};
      for (const k of ['service.name', 'service.namespace']) if (resource.attributes[k] !== undefined) identity[k] = resource.attributes[k]!;
      this.origins.set(key, (o = { id: this.originSeq++, identity, seenAtMs: nowMs, from: undefined }));
    }
    o.seenAtMs = nowMs;
    const from = currentOrigin();
    if (o.from !== from) o.from = joinOrigin(o.from, from);
    return o;
  }

  /**
   * Forgets the resources whose points came from one of `lost` (another gateway holds that origin now),
   * with their series: a ratio left without them is emitted again only from new points.
   */
  forgetOrigins(lost: ReadonlySet<string>): void {
    const gone = new Set<Origin>();
    for (const [key, o] of this.origins) {
      if (!forgottenWith(o.from, lost)) continue;
      gone.add(o);
      this.origins.delete(key);
    }
    if (gone.size > 0) for (const r of this.ratios) this.tracked -= r.forget(gone);
  }

  private logOnce(r: RatioState, metric: string, reason: IgnoreReason): void {
    let byMetric = this.logged.get(r);
    if (!byMetric) this.logged.set(r, (byMetric = new Map()));
    let reasons = byMetric.get(metric);
    if (!reasons) byMetric.set(metric, (reasons = new Set()));
    if (reasons.has(reason) || this.loggedCount > 1000) return;
    reasons.add(reason);
    this.loggedCount++;
    this.settings.logger.warn({ ratio: r.def.name, metric, reason }, WHY[reason]);
  }

  /** Series and resources unseen for two windows are forgotten: the state stays bounded by the live series. */
  private sweep(nowMs: number): void {
    if (nowMs - this.lastSweepMs < this.config.window / 2) return;
    this.lastSweepMs = nowMs;
    const before = nowMs - 2 * this.config.window;
    for (const r of this.ratios) this.tracked -= r.sweep(before);
    for (const [key, o] of this.origins) if (o.seenAtMs < before) this.origins.delete(key);
  }
}

/** Each group that got denominator points, with the time of the newest one. */
function latestPerGroup(arrived: [RatioSeries, number][]): Map<Group, number> {
  const out = new Map<Group, number>();
  for (const [s, t] of arrived) {
    const g = s.group;
    if (g && !(t <= (out.get(g) ?? -Infinity))) out.set(g, t);
  }
  return out;
}

/** The gauge of one ratio under the group's resource: one metric per ratio and resource, all its points in it. */
function gaugeOf(emitted: Map<string, { resource: Attributes; metrics: Map<string, GaugeMetric> }>, g: Group, name: string, description: string): GaugeMetric {
  let e = emitted.get(g.resourceKey);
  if (!e) emitted.set(g.resourceKey, (e = { resource: g.resource, metrics: new Map() }));
  let m = e.metrics.get(name);
  if (!m) e.metrics.set(name, (m = { name, description, unit: '1', type: 'gauge', points: [] }));
  return m;
}
