import type { Attributes } from '../../model/common.ts';
import type { ExponentialHistogramDataPoint, HistogramDataPoint } from '../../model/metrics.ts';
import { labelValue } from '../../model/attribute-value.ts';
import type { Accumulator, LastPoint } from './accumulator.ts';
import type { TopLabels } from './top-labels.ts';
import { currentOrigin, forgottenWith, joinOrigin } from '../../consumer/origin.ts';

/** The value `label_overflow` gives an offending label; never counted as one of its values. */
export const OVERFLOW_VALUE = '__overflow__';

/** Its own series, holding a slot. */
export const KEPT = 0;
/** Merged into another series (`out`): the overflow series, or a series that denied labels or `__overflow__` made. */
export const MEMBER = 1;
/** Unseen for `series_ttl`: its slot is free; remembered (with `out`: where it was) until room is needed. */
export const RETIRED = 2;
export type Role = typeof KEPT | typeof MEMBER | typeof RETIRED;

/** One label set as it arrived (denied labels included). */
export class Tracked implements LastPoint {
  role: Role = KEPT;
  out: Output | undefined = undefined;
  start = NaN;
  value = 0;
  last: HistogramDataPoint | ExponentialHistogramDataPoint | undefined = undefined;
  /** While it holds a slot: the values of its `max_label_values` labels. */
  limited: (string | undefined)[] | undefined = undefined;

  constructor(
    readonly key: string,
    public seenAtMs: number,
  ) {}
}

/** A series this processor makes: the overflow series, or one into which several label sets merge. */
export class Output {
  /** Holds its slot (or, for the overflow series, is counted as live): seen within `series_ttl`. */
  live = true;
  limited: (string | undefined)[] | undefined = undefined;
  /** The last batch that folded into it: one point per batch. */
  batch = -1;

  constructor(
    readonly key: string,
    readonly attributes: Attributes,
    /** The overflow series takes no slot; the others count against the metric's limit. */
    readonly holdsSlot: boolean,
    /** Its points count as over the limit (the overflow series, and `__overflow__` series). */
    readonly overLimit: boolean,
    readonly acc: Accumulator,
    public seenAtMs: number,
  ) {}
}

/** Everything known about one metric of one resource. */
export class MetricState {
  readonly series = new Map<string, Tracked>();
  readonly outputs = new Map<string, Output>();
  /** Slots taken: kept label sets and merged series, at most the metric's limit. */
  slots = 0;
  /** Per `max_label_values` label: each value and how many slot holders carry it. */
  readonly labelValues = new Map<string, Map<string, number>>();
  top: TopLabels | undefined;
  /** Where its points came from (src/consumer/origin.ts): all of it goes when that origin is lost. */
  origin: string | undefined;

  constructor(
    readonly key: string,
    readonly metric: string,
  ) {}
}

/**
 * The processor's memory, bounded by `max_tracked_series` (label sets and merged series, retired ones
 * included). Label sets unseen for `series_ttl` retire: their slots and label values are freed, but their
 * last points are remembered so that one coming back adds only its increase since. Retired entries are
 * forgotten, oldest first, only when room is needed, or with their metric when all of it retired.
 */
export class SeriesMemory {
  private readonly states = new Map<string, MetricState>();
  private readonly retired = new Map<Tracked | Output, MetricState>();
  private tracked = 0;
  /** Live output series per metric name, over every resource (`switchyard_cardinality_series`). */
  readonly liveByMetric = new Map<string, number>();
  /** Metric names whose live count changed since the last `takeChanged()`. */
  private readonly changed = new Set<string>();

  constructor(
    private readonly maxTracked: number,
    private readonly ttlMs: number,
    private readonly labelLimits: readonly [string, number][],
  ) {}

  get size(): number {
    return this.tracked;
  }

  allStates(): IterableIterator<MetricState> {
    return this.states.values();
  }

  /** The state of one metric of one resource, made on first use; it takes the current origin's data. */
  state(key: string, metric: string): MetricState {
    let s = this.states.get(key);
    if (!s) this.states.set(key, (s = new MetricState(key, metric)));
    const origin = currentOrigin();
    if (s.origin !== origin) s.origin = joinOrigin(s.origin, origin);
    return s;
  }

  /**
   * Forgets every metric of a resource whose points came from one of `lost` (another gateway holds that
   * origin now): its label sets, slots, merged series and their sums, as if never seen here.
   */
  forget(lost: ReadonlySet<string>): void {
    for (const [key, s] of this.states) if (forgottenWith(s.origin, lost)) this.drop(key, s);
  }

  /** Whether one more entry fits: under the bound, or after forgetting the oldest retired entry. */
  makeRoom(): boolean {
    if (this.tracked < this.maxTracked) return true;
    const oldest = this.retired.entries().next();
    if (oldest.done) return false;
    const [item, state] = oldest.value;
    this.retired.delete(item);
    if (item instanceof Tracked) state.series.delete(item.key);
    else state.outputs.delete(item.key);
    this.tracked--;
    return true;
  }

  /** A new entry; call `makeRoom()` first. */
  addSeries(state: MetricState, key: string, nowMs: number): Tracked {
    const t = new Tracked(key, nowMs);
    state.series.set(key, t);
    this.tracked++;
    return t;
  }

  /** A new output series; call `makeRoom()` first. Live, but holding no slot yet. */
  addOutput(state: MetricState, o: Output): void {
    state.outputs.set(o.key, o);
    this.tracked++;
    if (!o.holdsSlot) this.countLive(state, 1);
  }

  /** Back among the retired, as the newest: a retired label set that could not be placed after all. */
  retire(state: MetricState, item: Tracked | Output): void {
    this.retired.set(item, state);
  }

  /** A retired entry seen again: no longer the first to be forgotten. */
  revive(item: Tracked | Output): void {
    this.retired.delete(item);
  }

  /** A retired output series back in use (a slot must be free for one that holds slots). */
  reviveOutput(state: MetricState, o: Output): void {
    this.revive(o);
    o.live = true;
    if (o.holdsSlot) this.acquireSlot(state, o, o.attributes);
    else this.countLive(state, 1);
  }

  acquireSlot(state: MetricState, holder: Tracked | Output, attributes: Attributes): void {
    state.slots++;
    this.countLive(state, 1);
    if (this.labelLimits.length === 0) return;
    const values: (string | undefined)[] = [];
    for (const [label] of this.labelLimits) {
      const v = attributes[label];
      const value = v === undefined ? undefined : labelValue(v);
      values.push(value);
      if (value === undefined || value === OVERFLOW_VALUE) continue;
      let refs = state.labelValues.get(label);
      if (!refs) state.labelValues.set(label, (refs = new Map()));
      refs.set(value, (refs.get(value) ?? 0) + 1);
    }
    holder.limited = values;
  }

  releaseSlot(state: MetricState, holder: Tracked | Output): void {
    state.slots--;
    this.countLive(state, -1);
    const values = holder.limited;
    holder.limited = undefined;
    if (!values) return;
    this.labelLimits.forEach(([label], i) => {
      const value = values[i];
      const refs = state.labelValues.get(label);
      if (value === undefined || value === OVERFLOW_VALUE || !refs) return;
      const n = refs.get(value)! - 1;
      if (n > 0) refs.set(value, n);
      else refs.delete(value);
    });
  }

  /** Labels whose value is new to the metric while the label already has its `max_label_values`. */
  offendingLabels(state: MetricState, attributes: Attributes): string[] {
    let out: string[] | undefined;
    for (const [label, max] of this.labelLimits) {
      const v = attributes[label];
      if (v === undefined) continue;
      const value = labelValue(v);
      const refs = state.labelValues.get(label);
      if (value !== OVERFLOW_VALUE && !refs?.has(value) && (refs?.size ?? 0) >= max) (out ??= []).push(label);
    }
    return out ?? [];
  }

  /** Retires what was unseen for `series_ttl`; forgets a metric of a resource when all of it retired. */
  sweep(nowMs: number): void {
    for (const [key, s] of this.states) {
      let alive = false;
      for (const t of s.series.values()) {
        if (t.role === RETIRED) continue;
        if (nowMs - t.seenAtMs < this.ttlMs) {
          alive = true;
          continue;
        }
        if (t.role === KEPT) this.releaseSlot(s, t);
        t.role = RETIRED;
        this.retired.set(t, s);
      }
      for (const o of s.outputs.values()) {
        if (!o.live) continue;
        if (nowMs - o.seenAtMs < this.ttlMs) {
          alive = true;
          continue;
        }
        o.live = false;
        if (o.holdsSlot) this.releaseSlot(s, o);
        else this.countLive(s, -1);
        this.retired.set(o, s);
      }
      if (alive) continue;
      this.drop(key, s);
    }
  }

  /** Forgets one metric of a resource; what of it is still live stops counting as live. */
  private drop(key: string, s: MetricState): void {
    for (const t of s.series.values()) {
      if (t.role === KEPT) this.releaseSlot(s, t);
      this.retired.delete(t);
    }
    for (const o of s.outputs.values()) {
      if (o.live && o.holdsSlot) this.releaseSlot(s, o);
      else if (o.live) this.countLive(s, -1);
      this.retired.delete(o);
    }
    this.tracked -= s.series.size + s.outputs.size;
    this.states.delete(key);
  }

  /** Metric names whose live series count changed since the last call. */
  takeChanged(): string[] {
    const names = [...this.changed];
    this.changed.clear();
    return names;
  }

  private countLive(state: MetricState, by: number): void {
    const n = (this.liveByMetric.get(state.metric) ?? 0) + by;
    if (n > 0) this.liveByMetric.set(state.metric, n);
    else this.liveByMetric.delete(state.metric);
    this.changed.add(state.metric);
  }
}
