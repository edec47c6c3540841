import type { Attributes } from '../../model/common.ts';
import { FLAG_NO_RECORDED_VALUE, type Metric } from '../../model/metrics.ts';
import { attributesKey } from '../../model/transform.ts';
import type { Point } from './accumulator.ts';
import type { CardinalityConfig } from './config.ts';
import { isCumulative, kindOf, rememberer } from './merge.ts';
import { MergedSeries } from './merged-series.ts';
import type { MetricLimits } from './metric-limits.ts';
import { countDropped, type DropReason, type Run } from './run.ts';
import { KEPT, MEMBER, OVERFLOW_VALUE, RETIRED, type Output, type SeriesMemory, type Tracked } from './series-memory.ts';
import { TopLabels } from './top-labels.ts';

/**
 * Limits one metric's label sets: a known label set goes where it went before; a new one (or one that
 * came back) is kept while its metric has a free slot, else routed into a merged series (denied labels,
 * `__overflow__`, the overflow series) or dropped, as `overflow` says.
 */
export class Limiter {
  private readonly merged: MergedSeries;
  private readonly deny: Set<string>;
  private batchSeq = 0;

  constructor(
    private readonly config: CardinalityConfig,
    private readonly memory: SeriesMemory,
    private readonly limits: MetricLimits,
  ) {
    this.merged = new MergedSeries(memory, config.keep_labels);
    this.deny = new Set(config.deny_labels);
  }

  /** The metric as it goes on (undefined: no point left), and what happened to its points. */
  limit(m: Metric, resourceKey: string, nowMs: number): { metric: Metric | undefined; run: Run | undefined } {
    const kind = kindOf(m);
    const run: Run = {
      state: this.memory.state(`${resourceKey}|${kind}|${m.name}`, m.name),
      kind,
      remember: rememberer(kind),
      limit: this.limits.of(m.name),
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
      const key = attributesKey(p.attributes);
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
    if (run.pass === undefined) return { metric: m, run: undefined };
    for (const o of run.touched) {
      const point = o.acc.flush(o.attributes);
      if (point) run.pass.push(point);
    }
    return { metric: run.pass.length === 0 ? undefined : ({ ...m, points: run.pass } as Metric), run };
  }

  /** Places a label set that is new, came back, or whose merged series went quiet. */
  private route(run: Run, t: Tracked | undefined, key: string, p: Point): void {
    const { state } = run;
    // Not to be forgotten to make room while it is being placed.
    if (t?.role === RETIRED) this.memory.revive(t);
    // It goes back where it was when it can: the series it merged into.
    const was = t?.out;
    if (was !== undefined && state.outputs.get(was.key) === was && this.merged.claim(run, was)) return this.join(run, was, t, key, p);
    const attrs = this.deny.size > 0 ? withoutDenied(p.attributes, this.deny) : p.attributes;
    const outKey = attrs === p.attributes ? key : attributesKey(attrs);
    const merged = this.merged.at(run, outKey, key, attrs);
    if (merged) return this.join(run, merged, t, key, p);
    const offending = this.memory.offendingLabels(state, attrs);
    if (offending.length === 0 && state.slots < run.limit) {
      if (outKey === key && !state.outputs.has(key)) return this.keep(run, t, key, p);
      return this.joinOrDrop(run, this.merged.withSlot(run, outKey, attrs, false), t, key, p);
    }
    (state.top ??= new TopLabels()).add(attrs);
    if (offending.length > 0 && this.config.overflow === 'label_overflow') {
      const relabelled: Attributes = { ...attrs };
      for (const label of offending) relabelled[label] = OVERFLOW_VALUE;
      const rKey = attributesKey(relabelled);
      const o = this.merged.at(run, rKey, key, relabelled) ?? (state.slots < run.limit ? this.merged.withSlot(run, rKey, relabelled, true) : undefined);
      if (o) return this.join(run, o, t, key, p);
    }
    if (this.config.overflow === 'drop') {
      run.overLimit++;
      return this.drop(run, 'cardinality_limit', t);
    }
    if (run.kind === 'summary') return this.drop(run, 'unfoldable', t);
    return this.joinOrDrop(run, this.merged.overflow(run, attrs), t, key, p);
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
    if (!o.acc.accepts(p)) return void countDropped(run, 'unfoldable');
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
    const o = isCumulative(run.kind) || this.config.overflow === 'drop' ? undefined : this.merged.overflow(run, p.attributes);
    if (o) this.fold(run, o, undefined, p);
    else this.drop(run, 'max_tracked_series');
  }

  private drop(run: Run, reason: DropReason, t?: Tracked): void {
    // A retired label set stays retired, and goes back to being the first to be forgotten.
    if (t?.role === RETIRED) this.memory.retire(run.state, t);
    countDropped(run, reason);
  }
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
