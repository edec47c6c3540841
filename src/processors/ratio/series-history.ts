import { addToRunningTotal, NEW_RUNNING_TOTAL, RUNNING_TOTAL_SLOTS, runningTotal, runningTotalStarted } from '../running-total.ts';

/** Where the numbers are in a series' one array: its running total, when it was seen, then the samples. */
const SEEN_AT = RUNNING_TOTAL_SLOTS;
const SAMPLES = SEEN_AT + 1;

/**
 * One counter series as a running total over time (see running-total.ts for temporality and resets).
 * Samples older than the window are pruned but one, so the increase over the window is exact:
 * total(now) − total at the window's start (the last sample at or before it).
 * Every number of the series is in one array of doubles (running total, seen-at, then (time ns,
 * running total) pairs), not in fields: up to a million series are held (the ratio's B/series).
 */
export class SeriesHistory<G = unknown> {
  private s: number[] = NEW_RUNNING_TOTAL.concat(0);
  /** The `by` group it sums into (undefined until the ratio's labels are known). */
  group: G | undefined;

  /** Wall-clock ms of the last point taken or offered. */
  get seenAtMs(): number {
    return this.s[SEEN_AT]!;
  }

  /**
   * Adds a point; `windowNs` decides whether a new series' first value is inside the window. Returns
   * false for a point not newer than the last one (a repeat or out of order), which is left out.
   */
  add(timeNs: number, startNs: number, value: number, delta: boolean, windowNs: number, nowMs: number): boolean {
    this.s[SEEN_AT] = nowMs;
    const first = !runningTotalStarted(this.s, 0);
    // A cumulative series seen first that started within the window counts in full from 0 at its
    // start; an older one is a baseline (its past increases are outside what we can know).
    const countFirst = startNs > 0 && startNs >= timeNs - windowNs;
    if (addToRunningTotal(this.s, 0, timeNs, startNs, value, delta, countFirst) === undefined) return false;
    if (first && delta) this.push(startNs || timeNs - 1, 0);
    else if (first && countFirst) this.push(startNs, 0);
    this.append(timeNs, runningTotal(this.s, 0), timeNs - windowNs);
    return true;
  }

  /** The increase over (endNs − windowNs, endNs]; 0 without two samples to compare. */
  increase(endNs: number, windowNs: number): number {
    const from = endNs - windowNs;
    const s = this.s;
    let before: number | undefined;
    let at: number | undefined;
    for (let i = SAMPLES; i < s.length; i += 2) {
      const t = s[i]!;
      if (t > endNs) break;
      if (t <= from) before = s[i + 1];
      at = s[i + 1];
    }
    if (at === undefined) return 0;
    return at - (before ?? s[SAMPLES + 1]!);
  }

  /** A new array of the exact size: `push` would leave ~17 spare slots in every series. */
  private push(t: number, total: number): void {
    this.s = this.s.concat(t, total);
  }

  /**
   * Adds the newest sample and keeps only the newest one at or before `from` and everything after it.
   * In place when a sample goes (the usual case once the window is full): no new array per point.
   */
  private append(t: number, total: number, from: number): void {
    const s = this.s;
    let keepFrom = SAMPLES;
    for (let i = SAMPLES; i < s.length; i += 2) if (s[i]! <= from) keepFrom = i;
    if (keepFrom === SAMPLES) return this.push(t, total);
    const length = s.length - (keepFrom - SAMPLES) + 2;
    s.copyWithin(SAMPLES, keepFrom);
    s[length - 2] = t;
    s[length - 1] = total;
    s.length = length;
  }
}
