import { Counter, Gauge, type Registry } from 'prom-client';
import type { CreateSettings } from '../../component/component.ts';
import type { AttributeValue, Attributes } from '../../model/common.ts';
import type { Metric, MetricsBatch } from '../../model/metrics.ts';
import { attributesKey, mapMetrics } from '../../model/transform.ts';
import { labelValue } from '../../translate/prometheus-labels.ts';
import { aggregatePoints } from '../point-aggregation.ts';
import type { CardinalityConfig } from './config.ts';
import { Overflow, type FoldedSeries } from './overflow.ts';

type Point = Metric['points'][number];

/** The state of one metric of one resource. */
interface MetricState {
  kept: Map<string, number>;
  folded: Map<string, FoldedSeries>;
  labelValues: Map<string, Set<string>>;
  overflow: Overflow | undefined;
}

const OVERFLOW_VALUE = '__overflow__';

/**
 * The `cardinality` processor: the first label sets of each metric (per resource) are kept; later ones
 * past the limit fold into the overflow series (nothing lost), get `__overflow__` as the offending label's
 * value, or are dropped and counted. Denied labels are removed first and the series they split merged.
 */
export class CardinalityTransform {
  private readonly states = new Map<string, MetricState>();
  private readonly limits: { re: RegExp | undefined; name: string; limit: number }[];
  private readonly limitCache = new Map<string, number>();
  private readonly deny: Set<string>;
  private readonly seriesGauge: Gauge;
  private readonly overflowCounter: Counter;
  private readonly id: string;
  private tracked = 0;
  private lastSweepMs = 0;

  constructor(
    private readonly config: CardinalityConfig,
    private readonly settings: CreateSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.limits = Object.entries(config.metrics).map(([name, limit]) => ({ re: name.startsWith('^') ? new RegExp(name) : undefined, name, limit }));
    this.deny = new Set(config.deny_labels);
    this.id = settings.id.toString();
    const registry = settings.telemetry.selfMetrics.registry;
    this.seriesGauge = metricOf(registry, 'switchyard_cardinality_series', () => new Gauge({ name: 'switchyard_cardinality_series', help: 'Label sets a cardinality processor keeps, by metric.', labelNames: ['processor', 'metric'], registers: [registry] }));
    this.overflowCounter = metricOf(registry, 'switchyard_cardinality_overflow_points_total', () => new Counter({ name: 'switchyard_cardinality_overflow_points_total', help: 'Points folded into overflow, relabelled or dropped by a cardinality processor.', labelNames: ['processor', 'metric'], registers: [registry] }));
  }

  processMetrics(batch: MetricsBatch): MetricsBatch {
    const nowMs = this.now();
    // Expired label sets free their slots before this batch claims any.
    this.sweep(nowMs);
    return mapMetrics(batch, (m, ctx) => this.limit(m, attributesKey(ctx.resource.attributes), nowMs));
  }

  private limit(input: Metric, resourceKey: string, nowMs: number): Metric | undefined {
    const m = this.deny.size > 0 ? this.withoutDenied(input) : input;
    const key = `${resourceKey}|${m.name}`;
    let state = this.states.get(key);
    if (!state) this.states.set(key, (state = { kept: new Map(), folded: new Map(), labelValues: new Map(), overflow: undefined }));
    const limit = this.limitOf(m.name);
    const pass: Point[] = [];
    const over: Point[] = [];
    let dropped = 0;
    let relabelled = false;
    for (const original of m.points) {
      let p = original;
      let offending = this.offendingLabel(state, p.attributes);
      if (offending !== undefined && this.config.overflow === 'label_overflow') {
        p = { ...p, attributes: { ...p.attributes, [offending]: OVERFLOW_VALUE } };
        relabelled = true;
        this.overflowCounter.inc({ processor: this.id, metric: m.name });
        offending = undefined;
      }
      const pkey = attributesKey(p.attributes);
      if (offending === undefined && state.kept.has(pkey)) {
        state.kept.set(pkey, nowMs);
        pass.push(p);
        continue;
      }
      if (offending === undefined && state.kept.size < limit && this.tracked < this.config.max_tracked_series) {
        state.kept.set(pkey, nowMs);
        this.tracked++;
        this.remember(state, p.attributes);
        pass.push(p);
        continue;
      }
      this.overflowCounter.inc({ processor: this.id, metric: m.name });
      if (this.config.overflow === 'drop' || (!state.folded.has(pkey) && this.tracked >= this.config.max_tracked_series)) {
        dropped++;
        continue;
      }
      if (!state.folded.has(pkey)) this.tracked++;
      over.push(p);
    }
    if (over.length > 0) {
      state.overflow ??= new Overflow(nowMs * 1e6, nowMs);
      const { point, unfoldable } = state.overflow.fold(m, over as Metric['points'], state.folded, (p) => attributesKey(p.attributes), nowMs);
      dropped += unfoldable;
      if (point) pass.push(point);
      this.settings.health.setDetail('top_labels', this.topLabels());
    }
    if (dropped > 0) this.settings.telemetry.dropped(dropped, this.config.overflow === 'drop' ? 'cardinality_limit' : 'unfoldable');
    this.seriesGauge.set({ processor: this.id, metric: m.name }, state.kept.size + (state.overflow ? 1 : 0));
    if (pass.length === m.points.length && over.length === 0 && !relabelled) return m;
    return pass.length === 0 ? undefined : ({ ...m, points: pass } as Metric);
  }

  /** The first label of the point whose value would pass its `max_label_values`. */
  private offendingLabel(state: MetricState, attributes: Attributes): string | undefined {
    for (const [label, max] of Object.entries(this.config.max_label_values)) {
      const v = attributes[label];
      if (v === undefined) continue;
      const seen = state.labelValues.get(label);
      const value = labelValue(v);
      if (seen && !seen.has(value) && seen.size >= max) return label;
    }
    return undefined;
  }

  private remember(state: MetricState, attributes: Attributes): void {
    for (const label of Object.keys(this.config.max_label_values)) {
      const v: AttributeValue | undefined = attributes[label];
      if (v === undefined) continue;
      let seen = state.labelValues.get(label);
      if (!seen) state.labelValues.set(label, (seen = new Set()));
      seen.add(labelValue(v));
    }
  }

  private withoutDenied(m: Metric): Metric {
    let changed = false;
    const points = m.points.map((p) => {
      if (!Object.keys(p.attributes).some((k) => this.deny.has(k))) return p;
      changed = true;
      const attributes: Attributes = {};
      for (const k in p.attributes) if (!this.deny.has(k)) attributes[k] = p.attributes[k]!;
      return { ...p, attributes };
    });
    if (!changed) return m;
    const { metric, dropped } = aggregatePoints({ ...m, points } as Metric, 'last');
    if (dropped > 0) this.settings.telemetry.dropped(dropped, 'histogram_bounds_mismatch');
    return metric;
  }

  private limitOf(name: string): number {
    let limit = this.limitCache.get(name);
    if (limit === undefined) {
      limit = this.limits.find((l) => (l.re ? l.re.test(name) : l.name === name))?.limit ?? this.config.max_series_per_metric;
      if (this.limitCache.size < 10_000) this.limitCache.set(name, limit);
    }
    return limit;
  }

  /** Label sets (kept or folded) unseen for `series_ttl` free their slots; overflow totals stay. */
  private sweep(nowMs: number): void {
    if (nowMs - this.lastSweepMs < Math.min(this.config.series_ttl / 4, 60_000)) return;
    this.lastSweepMs = nowMs;
    for (const [key, s] of this.states) {
      for (const [k, seen] of s.kept) {
        if (nowMs - seen < this.config.series_ttl) continue;
        s.kept.delete(k);
        this.tracked--;
      }
      for (const [k, f] of s.folded) {
        if (nowMs - f.seenAtMs < this.config.series_ttl) continue;
        s.folded.delete(k);
        this.tracked--;
      }
      if (s.kept.size === 0 && s.folded.size === 0 && (!s.overflow || nowMs - s.overflow.seenAtMs >= this.config.series_ttl)) this.states.delete(key);
    }
  }

  /** The metrics' labels with the most distinct values, for `/health/detailed`. */
  private topLabels(): { metric: string; label: string; distinct_values: number }[] {
    const rows: { metric: string; label: string; distinct_values: number }[] = [];
    for (const [key, s] of this.states) {
      if (!s.overflow) continue;
      const metric = key.slice(key.lastIndexOf('|') + 1);
      const distinct = new Map<string, Set<string>>();
      for (const k of [...s.kept.keys(), ...s.folded.keys()]) {
        for (const part of k.split(';')) {
          const eq = part.indexOf('=');
          if (eq < 0) continue;
          const label = JSON.parse(part.slice(0, eq)) as string;
          let set = distinct.get(label);
          if (!set) distinct.set(label, (set = new Set()));
          if (set.size < 100_000) set.add(part.slice(eq + 1));
        }
      }
      for (const [label, set] of distinct) rows.push({ metric, label, distinct_values: set.size });
    }
    return rows.sort((a, b) => b.distinct_values - a.distinct_values).slice(0, 5);
  }

  /** Tracked label sets, for the memory figures of `npm run bench`. */
  get trackedSeries(): number {
    return this.tracked;
  }
}

function metricOf<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}
