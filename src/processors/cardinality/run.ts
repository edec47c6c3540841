import type { LastPoint, Point } from './accumulator.ts';
import type { Kind } from './merge.ts';
import type { MetricState, Output } from './series-memory.ts';

export type DropReason = 'cardinality_limit' | 'max_tracked_series' | 'unfoldable';

/** One metric of one batch on its way through. */
export interface Run {
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

export function countDropped(run: Run, reason: DropReason): void {
  run.dropped.set(reason, (run.dropped.get(reason) ?? 0) + 1);
}
