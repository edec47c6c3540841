import type { Attributes } from '../../model/common.ts';
import type { GaugeMetric, Metric, MetricsBatch, NumberDataPoint } from '../../model/metrics.ts';
import { attributesKey } from '../../model/transform.ts';
import { labelValue } from '../../translate/prometheus-labels.ts';
import type { RatioConfig, RatioDefinition } from './config.ts';
import { SeriesHistory } from './series-history.ts';

/** Series by `by` group, then by series key: a ratio sums one group without scanning the others. */
type Groups = Map<string, Map<string, SeriesHistory>>;

interface RatioState {
  def: RatioDefinition;
  numTests: [string, RegExp][];
  denTests: [string, RegExp][];
  numerators: Groups;
  denominators: Groups;
  /** Label names the numerator points carried, for the default `by`. */
  numeratorLabels: Set<string> | undefined;
}

interface Trigger {
  attributes: Attributes;
  timeNs: number;
  where: [resource: number, scope: number];
}

/**
 * The `ratio` transform: for each `by` label set, the increase of the numerator over the window divided
 * by the increase of the denominator over the same window, summed over every series that folds into the
 * set. A ratio point is emitted when a new denominator point arrives, stamped with its time, beside it in
 * the batch. Numerators of a batch are taken in before its denominators, so their order never matters.
 * No increase in the denominator: no point (never NaN, never a division by zero).
 */
export class RatioTransform {
  private readonly ratios: RatioState[];
  private lastSweepMs = 0;

  constructor(
    private readonly config: RatioConfig,
    private readonly now: () => number = Date.now,
  ) {
    const tests = (m: Record<string, string>): [string, RegExp][] => Object.entries(m).map(([k, p]) => [k, new RegExp(p)]);
    this.ratios = config.ratios.map((def) => ({ def, numTests: tests(def.numerator.match_labels), denTests: tests(def.denominator.match_labels), numerators: new Map(), denominators: new Map(), numeratorLabels: undefined }));
  }

  processMetrics(batch: MetricsBatch): MetricsBatch {
    const nowMs = this.now();
    const windowNs = this.config.window * 1e6;
    const added = new Map<string, Metric[]>();
    for (const r of this.ratios) {
      this.each(batch, r.def.numerator.metric, r.numTests, (key, p, delta) => {
        r.numeratorLabels ??= new Set(Object.keys(p.attributes));
        track(r.numerators, this.groupOf(r, p.attributes).key, key).add(p.timeUnixNano, p.startTimeUnixNano, p.value, delta, windowNs, nowMs);
      });
      const triggers = new Map<string, Trigger>();
      this.each(batch, r.def.denominator.metric, r.denTests, (key, p, delta, where) => {
        const group = this.groupOf(r, p.attributes);
        track(r.denominators, group.key, key).add(p.timeUnixNano, p.startTimeUnixNano, p.value, delta, windowNs, nowMs);
        const prev = triggers.get(group.key);
        if (!prev || p.timeUnixNano >= prev.timeNs) triggers.set(group.key, { attributes: group.attributes, timeNs: p.timeUnixNano, where });
      });
      for (const [group, t] of triggers) {
        const den = sumIncrease(r.denominators, group, t.timeNs, windowNs);
        if (!(den > 0)) continue;
        const num = sumIncrease(r.numerators, group, t.timeNs, windowNs);
        const metric: GaugeMetric = { name: r.def.name, description: `${r.def.numerator.metric} / ${r.def.denominator.metric} over ${this.config.window / 1000} s.`, unit: '1', type: 'gauge', points: [{ attributes: t.attributes, startTimeUnixNano: 0, timeUnixNano: t.timeNs, flags: 0, value: (r.def.scale * num) / den }] };
        const slot = `${t.where[0]}:${t.where[1]}`;
        added.set(slot, [...(added.get(slot) ?? []), metric]);
      }
    }
    this.sweep(nowMs);
    if (added.size === 0) return batch;
    return {
      resourceMetrics: batch.resourceMetrics.map((rm, i) => ({
        ...rm,
        scopeMetrics: rm.scopeMetrics.map((sm, j) => {
          const extra = added.get(`${i}:${j}`);
          return extra ? { ...sm, metrics: [...sm.metrics, ...extra] } : sm;
        }),
      })),
    };
  }

  /** Every point of a counter named `metric` whose labels pass `tests`, with its series key. */
  private each(batch: MetricsBatch, metric: string, tests: [string, RegExp][], fn: (key: string, p: NumberDataPoint, delta: boolean, where: [number, number]) => void): void {
    batch.resourceMetrics.forEach((rm, i) => {
      let resourceKey: string | undefined;
      rm.scopeMetrics.forEach((sm, j) => {
        for (const m of sm.metrics) {
          if (m.name !== metric || m.type !== 'sum') continue;
          resourceKey ??= attributesKey(rm.resource.attributes);
          for (const p of m.points) {
            if (tests.some(([k, re]) => p.attributes[k] === undefined || !re.test(labelValue(p.attributes[k]!)))) continue;
            fn(`${resourceKey}|${attributesKey(p.attributes)}`, p, m.temporality === 'delta', [i, j]);
          }
        }
      });
    });
  }

  private groupOf(r: RatioState, attributes: Attributes): { key: string; attributes: Attributes } {
    const by = r.def.by ?? Object.keys(attributes).filter((k) => !r.numeratorLabels || r.numeratorLabels.has(k));
    const out: Attributes = {};
    for (const k of by) if (attributes[k] !== undefined) out[k] = attributes[k]!;
    return { key: attributesKey(out), attributes: out };
  }

  /** Series unseen for two windows are forgotten: the state stays bounded by the live series. */
  private sweep(nowMs: number): void {
    if (nowMs - this.lastSweepMs < this.config.window / 2) return;
    this.lastSweepMs = nowMs;
    for (const r of this.ratios) {
      for (const groups of [r.numerators, r.denominators]) {
        for (const [g, series] of groups) {
          for (const [k, h] of series) if (nowMs - h.seenAtMs > 2 * this.config.window) series.delete(k);
          if (series.size === 0) groups.delete(g);
        }
      }
    }
  }

  /** Tracked series, for the memory figures of `npm run bench`. */
  get trackedSeries(): number {
    let n = 0;
    for (const r of this.ratios) for (const groups of [r.numerators, r.denominators]) for (const series of groups.values()) n += series.size;
    return n;
  }
}

function track(groups: Groups, group: string, key: string): SeriesHistory {
  let series = groups.get(group);
  if (!series) groups.set(group, (series = new Map()));
  let h = series.get(key);
  if (!h) series.set(key, (h = new SeriesHistory()));
  return h;
}

function sumIncrease(groups: Groups, group: string, endNs: number, windowNs: number): number {
  let sum = 0;
  for (const h of groups.get(group)?.values() ?? []) sum += h.increase(endNs, windowNs);
  return sum;
}
