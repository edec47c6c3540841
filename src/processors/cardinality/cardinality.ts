import { Counter, Gauge } from 'prom-client';
import type { CreateSettings } from '../../component/component.ts';
import type { Attributes, Resource } from '../../model/common.ts';
import { FLAG_NO_RECORDED_VALUE, OVERFLOW_ATTRIBUTE, type Metric, type MetricsBatch } from '../../model/metrics.ts';
import { attributesKey, seriesKey } from '../../model/series-key.ts';
import { mapMetrics } from '../../model/transform.ts';
import type { LastPoint, Point } from './accumulator.ts';
import type { CardinalityConfig } from './config.ts';
import { accumulatorFor, isCumulative, kindOf, rememberer, type Kind } from './merge.ts';
import { KEPT, MEMBER, OVERFLOW_VALUE, Output, RETIRED, SeriesMemory, type MetricState, type Tracked } from './series-memory.ts';
import { TopLabels, type TopLabelRow } from './top-labels.ts';

type DropReason = 'cardinality_limit' | 'max_tracked_series' | 'unfoldable';

/** One metric of one batch on its way through. */
interface Run {
  state: MetricState;
  kind: Kind;
  remember: ((m: LastPoint, p: Point) => void) | undefined;
  limit: number;
  nowMs: number;
  batch: number;
  /** The points passed on; undefined while every point so far passes as it came. */
  pass: Point[] | undefined;
  /** Merged series that received points, in order: one point each at the end. */
  touched: Output[];
  overLimit: number;
  dropped: Map<DropReason, number>;
}

/**
 * The `cardinality` processor: the first label sets of each metric (per resource) are kept; later ones
 * past the limit fold into the overflow series (nothing lost), get `__overflow__` as the offending label's
 * value, or are dropped and counted. Denied labels are removed and the series they split merged. Series
 * that merge add up as aggregation would, counters by increases, so they never go down.
 */
export class CardinalityTransform {
  private readonly memory: SeriesMemory;
  private readonly limits: { re: RegExp | undefined; name: string; limit: number }[];
  private readonly limitCache = new Map<string, number>();
  private readonly deny: Set<string>;
  private readonly seriesGauge: Gauge;
  private readonly overflowCounter: Counter;
  private readonly id: string;
  private readonly sweepEveryMs: number;
  private lastSweepMs = 0;
  private batchSeq = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: CardinalityConfig,
    private readonly settings: CreateSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.limits = Object.entries(config.metrics).map(([name, limit]) => ({ re: name.startsWith('^') ? new RegExp(name) : undefined, name, limit }));
    this.deny = new Set(config.deny_labels);
    this.memory = new SeriesMemory(config.max_tracked_series, config.series_ttl, Object.entries(config.max_label_values));
    this.sweepEveryMs = Math.min(config.series_ttl / 4, 60_000);
    this.id = settings.id.toString();
    const registry = settings.telemetry.selfMetrics.registry;
    this.seriesGauge =
      (registry.getSingleMetric('switchyard_cardinality_series') as Gauge | undefined) ??
      new Gauge({ name: 'switchyard_cardinality_series', help: 'Series a cardinality processor lets through (kept, merged and overflow), by metric, over every resource.', labelNames: ['processor', 'metric'], registers: [registry] });
    this.overflowCounter =
      (registry.getSingleMetric('switchyard_cardinality_overflow_points_total') as Counter | undefined) ??
      new Counter({ name: 'switchyard_cardinality_overflow_points_total', help: 'Points over a cardinality limit: folded into the overflow series, relabelled __overflow__, or dropped.', labelNames: ['processor', 'metric'], registers: [registry] });
    // Computed when /health/detailed is read, never on the data path.
    settings.health.setDetail('top_labels', { toJSON: () => this.topLabels() });
  }

  processMetrics(batch: MetricsBatch): MetricsBatch {
    const nowMs = this.now();
    // Label sets gone quiet free their slots before this batch claims any.
    this.sweep(nowMs);
    let resource: Resource | undefined;
    let resourceKey = '';
    const out = mapMetrics(batch, (m, ctx) => {
      if (ctx.resource !== resource) {
        resource = ctx.resource;
        resourceKey = attributesKey(resource.attributes);
      }
      return this.limit(m, resourceKey, nowMs);
    });
    this.publishSeries();
    return out;
  }

  /** Sweeps between batches too, so that the series gauge falls when traffic stops altogether. */
  async start(): Promise<void> {
    this.timer = setInterval(() => {
      this.sweep(this.now());
      this.publishSeries();
    }, this.sweepEveryMs).unref();
  }

  async shutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const metric of this.memory.liveByMetric.keys()) this.seriesGauge.remove({ processor: this.id, metric });
  }

  /** Tracked entries (label sets, retired ones included, and merged series), for `npm run bench`. */
  get trackedSeries(): number {
    return this.memory.size;
  }

  /** The labels with the most distinct values among the label sets that went over a limit. */
  topLabels(): TopLabelRow[] {
    const rows: [string, TopLabels][] = [];
    for (const s of this.memory.allStates()) if (s.top) rows.push([s.metric, s.top]);
    return TopLabels.rows(rows);
  }

  private limit(m: Metric, resourceKey: string, nowMs: number): Metric | undefined {
    const kind = kindOf(m);
    const run: Run = {
      state: this.memory.state(`${resourceKey}|${kind}|${m.name}`, m.name),
      kind,
      remember: rememberer(kind),
      limit: this.limitOf(m.name),
      nowMs,
      batch: ++this.batchSeq,
      pass: undefined,
      touched: [],
      overLimit: 0,
      dropped: new Map(),
    };
    const points = m.points as Point[];
    for (let i = 0; i < points.length; i++) {
      const p = points[i]!;
      const key = seriesKey(p.attributes);
      const t = run.state.series.get(key);
      if (t !== undefined && t.role === KEPT) {
        t.seenAtMs = nowMs;
        run.remember?.(t, p);
        run.pass?.push(p);
        continue;
      }
      run.pass ??= points.slice(0, i);
      if (t !== undefined && t.role === MEMBER && t.out!.live) {
        t.seenAtMs = nowMs;
        this.fold(run, t.out!, t, p);
      } else {
        this.route(run, t, key, p);
      }
    }
    if (run.pass === undefined) return m;
    for (const o of run.touched) {
      const point = o.acc.flush(o.attributes);
      if (point) run.pass.push(point);
    }
    this.report(run, m.name);
    return run.pass.length === 0 ? undefined : ({ ...m, points: run.pass } as Metric);
  }

  /** Places a label set that is new, came back, or whose merged series went quiet. */
  private route(run: Run, t: Tracked | undefined, key: string, p: Point): void {
    const { state } = run;
    // Not to be forgotten to make room while it is being placed.
    if (t?.role === RETIRED) this.memory.revive(t);
    // It goes back where it was when it can: the series it merged into.
    const was = t?.out;
    if (was !== undefined && state.outputs.get(was.key) === was && this.claim(run, was)) return this.join(run, was, t, key, p);
    const attrs = this.deny.size > 0 ? withoutDenied(p.attributes, this.deny) : p.attributes;
    const outKey = attrs === p.attributes ? key : seriesKey(attrs);
    const merged = this.outputAt(run, outKey, key, attrs);
    if (merged) return this.join(run, merged, t, key, p);
    const offending = this.memory.offendingLabels(state, attrs);
    if (offending.length === 0 && state.slots < run.limit) {
      if (outKey === key && !state.outputs.has(key)) return this.keep(run, t, key, p);
      return this.joinOrDrop(run, this.slotOutput(run, outKey, attrs, false), t, key, p);
    }
    (state.top ??= new TopLabels()).add(attrs);
    if (offending.length > 0 && this.config.overflow === 'label_overflow') {
      const relabelled: Attributes = { ...attrs };
      for (const label of offending) relabelled[label] = OVERFLOW_VALUE;
      const rKey = attributesKey(relabelled);
      const o = this.outputAt(run, rKey, key, relabelled) ?? (state.slots < run.limit ? this.slotOutput(run, rKey, relabelled, true) : undefined);
      if (o) return this.join(run, o, t, key, p);
    }
    if (this.config.overflow === 'drop') {
      run.overLimit++;
      return this.drop(run, 'cardinality_limit', t);
    }
    if (run.kind === 'summary') return this.drop(run, 'unfoldable', t);
    return this.joinOrDrop(run, this.overflowOf(run, attrs), t, key, p);
  }

  /** Its own series, passed on as it came. */
  private keep(run: Run, t: Tracked | undefined, key: string, p: Point): void {
    if (t === undefined) {
      if (!this.memory.makeRoom()) return this.untracked(run, p);
      t = this.memory.addSeries(run.state, key, run.nowMs);
    }
    t.role = KEPT;
    t.out = undefined;
    t.seenAtMs = run.nowMs;
    this.memory.acquireSlot(run.state, t, p.attributes);
    run.remember?.(t, p);
    run.pass!.push(p);
  }

  /** Makes the label set a member of `o` and folds its point in. */
  private join(run: Run, o: Output, t: Tracked | undefined, key: string, p: Point): void {
    if (!o.acc.accepts(p)) return this.drop(run, 'unfoldable', t);
    if (t === undefined) {
      if (!this.memory.makeRoom()) return isCumulative(run.kind) ? this.drop(run, 'max_tracked_series') : this.fold(run, o, undefined, p);
      t = this.memory.addSeries(run.state, key, run.nowMs);
    }
    t.role = MEMBER;
    t.out = o;
    t.seenAtMs = run.nowMs;
    this.fold(run, o, t, p);
  }

  private joinOrDrop(run: Run, o: Output | undefined, t: Tracked | undefined, key: string, p: Point): void {
    if (o) this.join(run, o, t, key, p);
    else this.drop(run, 'max_tracked_series', t);
  }

  private fold(run: Run, o: Output, t: Tracked | undefined, p: Point): void {
    // A staleness marker says nothing about the merged series.
    if (p.flags & FLAG_NO_RECORDED_VALUE) return;
    if (!o.acc.accepts(p)) return void this.count(run, 'unfoldable');
    o.seenAtMs = run.nowMs;
    if (o.batch !== run.batch) {
      o.batch = run.batch;
      run.touched.push(o);
    }
    if (o.overLimit) run.overLimit++;
    o.acc.add(p, t);
  }

  /** No room to remember a new label set: a gauge or delta still folds; a cumulative one cannot. */
  private untracked(run: Run, p: Point): void {
    const o = isCumulative(run.kind) || this.config.overflow === 'drop' ? undefined : this.overflowOf(run, p.attributes);
    if (o) this.fold(run, o, undefined, p);
    else this.drop(run, 'max_tracked_series');
  }

  private drop(run: Run, reason: DropReason, t?: Tracked): void {
    // A retired label set stays retired, and goes back to being the first to be forgotten.
    if (t?.role === RETIRED) this.memory.retire(run.state, t);
    this.count(run, reason);
  }

  private count(run: Run, reason: DropReason): void {
    run.dropped.set(reason, (run.dropped.get(reason) ?? 0) + 1);
  }

  /** Whether `o` can take points: live, or brought back (a series that holds a slot needs a free one). */
  private claim(run: Run, o: Output): boolean {
    if (o.live) return true;
    if (o.holdsSlot && (run.state.slots >= run.limit || this.memory.offendingLabels(run.state, o.attributes).length > 0)) return false;
    this.memory.reviveOutput(run.state, o);
    return true;
  }

  /**
   * The merged series under `outKey`, if there is one that can take points; a label set kept under
   * that key (when denied labels make other sets merge into it) becomes one, continuing from its value.
   */
  private outputAt(run: Run, outKey: string, ownKey: string, attrs: Attributes): Output | undefined {
    const o = run.state.outputs.get(outKey);
    if (o) return this.claim(run, o) ? o : undefined;
    if (outKey === ownKey) return undefined;
    const kept = run.state.series.get(outKey);
    if (kept === undefined || !(kept.role === KEPT || (kept.role === RETIRED && kept.out === undefined))) return undefined;
    if (kept.role === RETIRED && run.state.slots >= run.limit) return undefined;
    return this.convert(run, kept, attrs, true, false);
  }

  /** A kept label set becomes a merged series of the same labels, starting from its last value. */
  private convert(run: Run, kept: Tracked, attrs: Attributes, holdsSlot: boolean, overLimit: boolean): Output | undefined {
    const { state } = run;
    const quiet = kept.role === RETIRED;
    this.memory.revive(kept);
    if (!this.memory.makeRoom()) {
      if (quiet) this.memory.retire(state, kept);
      return undefined;
    }
    const o = new Output(kept.key, attrs, holdsSlot, overLimit, accumulatorFor(run.kind, !holdsSlot), run.nowMs);
    o.acc.seed(kept);
    // Its point of this batch, if it passed already, is in the merged point now.
    if (!quiet) removeKey(run.pass!, kept.key);
    this.memory.addOutput(state, o);
    if (!quiet) this.memory.releaseSlot(state, kept);
    if (holdsSlot) this.memory.acquireSlot(state, o, attrs);
    kept.out = o;
    if (quiet) this.memory.retire(state, kept);
    else kept.role = MEMBER;
    return o;
  }

  /** A merged series that takes a slot (the caller checked there is one). */
  private slotOutput(run: Run, key: string, attrs: Attributes, overLimit: boolean): Output | undefined {
    const existing = run.state.outputs.get(key);
    if (existing) {
      if (!existing.live) this.memory.reviveOutput(run.state, existing);
      return existing;
    }
    if (!this.memory.makeRoom()) return undefined;
    const o = new Output(key, attrs, true, overLimit, accumulatorFor(run.kind, false), run.nowMs);
    this.memory.addOutput(run.state, o);
    this.memory.acquireSlot(run.state, o, attrs);
    return o;
  }

  /**
   * The overflow series for these labels' `keep_labels` values. An overflow series that came from
   * upstream (an SDK at its own limit) under the same labels is merged with it, not duplicated.
   */
  private overflowOf(run: Run, attrs: Attributes): Output | undefined {
    const attributes: Attributes = { [OVERFLOW_ATTRIBUTE]: true };
    for (const label of this.config.keep_labels) if (attrs[label] !== undefined) attributes[label] = attrs[label]!;
    const key = attributesKey(attributes);
    const existing = run.state.outputs.get(key);
    if (existing) {
      if (!existing.live) this.memory.reviveOutput(run.state, existing);
      return existing;
    }
    const upstream = run.state.series.get(key);
    if (upstream !== undefined && (upstream.role === KEPT || (upstream.role === RETIRED && upstream.out === undefined))) return this.convert(run, upstream, attributes, false, true);
    if (!this.memory.makeRoom()) return undefined;
    const o = new Output(key, attributes, false, true, accumulatorFor(run.kind, true), run.nowMs);
    this.memory.addOutput(run.state, o);
    return o;
  }

  private sweep(nowMs: number): void {
    if (nowMs - this.lastSweepMs < this.sweepEveryMs) return;
    this.lastSweepMs = nowMs;
    this.memory.sweep(nowMs);
  }

  private report(run: Run, metric: string): void {
    if (run.overLimit > 0) this.overflowCounter.inc({ processor: this.id, metric }, run.overLimit);
    for (const [reason, n] of run.dropped) this.settings.telemetry.dropped(n, reason);
  }

  private publishSeries(): void {
    for (const metric of this.memory.takeChanged()) {
      const n = this.memory.liveByMetric.get(metric);
      if (n) this.seriesGauge.set({ processor: this.id, metric }, n);
      else this.seriesGauge.remove({ processor: this.id, metric });
    }
  }

  private limitOf(name: string): number {
    let limit = this.limitCache.get(name);
    if (limit === undefined) {
      limit = this.limits.find((l) => (l.re ? l.re.test(name) : l.name === name))?.limit ?? this.config.max_series_per_metric;
      if (this.limitCache.size < 10_000) this.limitCache.set(name, limit);
    }
    return limit;
  }
}

function removeKey(points: Point[], key: string): void {
  const i = points.findIndex((p) => seriesKey(p.attributes) === key);
  if (i >= 0) points.splice(i, 1);
}

/** The attributes without the denied ones; the same object when there are none. */
function withoutDenied(attributes: Attributes, deny: Set<string>): Attributes {
  let out: Attributes | undefined;
  for (const k in attributes) {
    if (!deny.has(k)) continue;
    out ??= { ...attributes };
    delete out[k];
  }
  return out ?? attributes;
}
