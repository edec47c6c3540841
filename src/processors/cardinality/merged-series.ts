import type { Attributes } from '../../model/common.ts';
import { OVERFLOW_ATTRIBUTE } from '../../model/metrics.ts';
import { attributesKey } from '../../model/transform.ts';
import type { Point } from './accumulator.ts';
import { accumulatorFor } from './merge.ts';
import type { Run } from './run.ts';
import { KEPT, MEMBER, Output, RETIRED, type SeriesMemory, type Tracked } from './series-memory.ts';

/**
 * Finds or makes the series into which label sets merge: the overflow series, a series that denied
 * labels or `__overflow__` made, or a kept label set turned into one.
 */
export class MergedSeries {
  constructor(
    private readonly memory: SeriesMemory,
    private readonly keepLabels: readonly string[],
  ) {}

  /** Whether `o` can take points: live, or brought back (a series that holds a slot needs a free one). */
  claim(run: Run, o: Output): boolean {
    if (o.live) return true;
    if (o.holdsSlot && (run.state.slots >= run.limit || this.memory.offendingLabels(run.state, o.attributes).length > 0)) return false;
    this.memory.reviveOutput(run.state, o);
    return true;
  }

  /**
   * The merged series under `outKey`, if there is one that can take points; a label set kept under
   * that key (when denied labels make other sets merge into it) becomes one, continuing from its value.
   */
  at(run: Run, outKey: string, ownKey: string, attrs: Attributes): Output | undefined {
    const o = run.state.outputs.get(outKey);
    if (o) return this.claim(run, o) ? o : undefined;
    if (outKey === ownKey) return undefined;
    const kept = run.state.series.get(outKey);
    if (kept === undefined || !(kept.role === KEPT || (kept.role === RETIRED && kept.out === undefined))) return undefined;
    if (kept.role === RETIRED && run.state.slots >= run.limit) return undefined;
    return this.convert(run, kept, attrs, true, false);
  }

  /** A merged series that takes a slot (the caller checked there is one). */
  withSlot(run: Run, key: string, attrs: Attributes, overLimit: boolean): Output | undefined {
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
  overflow(run: Run, attrs: Attributes): Output | undefined {
    const attributes: Attributes = { [OVERFLOW_ATTRIBUTE]: true };
    for (const label of this.keepLabels) if (attrs[label] !== undefined) attributes[label] = attrs[label]!;
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
}

function removeKey(points: Point[], key: string): void {
  const i = points.findIndex((p) => attributesKey(p.attributes) === key);
  if (i >= 0) points.splice(i, 1);
}
