import { RunningTotal } from '../running-total.ts';

/**
 * One counter series as a running total over time (see RunningTotal for temporality and resets).
 * Samples older than the window are pruned but one, so the increase over the window is exact:
 * total(now) − total at the window's start (the last sample at or before it).
 */
export class SeriesHistory<G = unknown> {
  /** Interleaved (time ns, running total) pairs: one small array per series. */
  private samples: number[] = [];
  private readonly running = new RunningTotal();
  seenAtMs = 0;
  /** The `by` group it sums into (undefined until the ratio's labels are known). */
  group: G | undefined;

  /**
   * Adds a point; `windowNs` decides whether a new series' first value is inside the window. Returns
   * false for a point not newer than the last one (a repeat or out of order), which is left out.
   */
  add(timeNs: number, startNs: number, value: number, delta: boolean, windowNs: number, nowMs: number): boolean {
    this.seenAtMs = nowMs;
    const first = !this.running.started;
    // A cumulative series seen first that started within the window counts in full from 0 at its
    // start; an older one is a baseline (its past increases are outside what we can know).
    const countFirst = startNs > 0 && startNs >= timeNs - windowNs;
    if (this.running.add(timeNs, startNs, value, delta, countFirst) === undefined) return false;
    if (first && delta) this.push(startNs || timeNs - 1, 0);
    else if (first && countFirst) this.push(startNs, 0);
    this.push(timeNs, this.running.total);
    this.prune(timeNs - windowNs);
    return true;
  }

  /** The increase over (endNs − windowNs, endNs]; 0 without two samples to compare. */
  increase(endNs: number, windowNs: number): number {
    const from = endNs - windowNs;
    const s = this.samples;
    let before: number | undefined;
    let at: number | undefined;
    for (let i = 0; i < s.length; i += 2) {
      const t = s[i]!;
      if (t > endNs) break;
      if (t <= from) before = s[i + 1];
      at = s[i + 1];
    }
    if (at === undefined) return 0;
    return at - (before ?? s[1]!);
  }

  /** A new array of the exact size: `push` would leave ~17 spare slots in every series. */
  private push(t: number, total: number): void {
    this.samples = this.samples.concat(t, total);
  }

  /** Keeps the newest sample at or before `from` and everything after it. */
  private prune(from: number): void {
    let keepFrom = 0;
    for (let i = 0; i < this.samples.length; i += 2) if (this.samples[i]! <= from) keepFrom = i;
    if (keepFrom > 0) this.samples = this.samples.slice(keepFrom);
  }
}
