/** Where the scalars sit in a series' one array; samples follow from `FIRST`. */
const LAST_RAW = 0;
const LAST_START = 1;
const TOTAL = 2;
const SEEN_AT_MS = 3;
const FIRST = 4;

/**
 * One counter series as a running total over time, whatever its temporality: cumulative points add
 * their increase (a smaller value or a new start time is a reset, whose value counts in full), delta
 * points add themselves. Samples older than the window are pruned but one, so the increase over the
 * window is exact: total(now) − total at the window's start (the last sample at or before it).
 */
export class SeriesHistory<G = unknown> {
  /**
   * The last raw value, its start time, the running total, when it was last seen (ms), then interleaved
   * (time ns, running total) pairs: all in one array of doubles. As separate fields each double would be
   * a boxed number of its own (≈100 B a series more: the `ratio` bench's memory row).
   */
  private data: number[] = [NaN, NaN, 0, 0];
  /** The `by` group it sums into (undefined until the ratio's labels are known). */
  group: G | undefined;

  get seenAtMs(): number {
    return this.data[SEEN_AT_MS]!;
  }

  /**
   * Adds a point; `windowNs` decides whether a new series' first value is inside the window. Returns
   * false for a point not newer than the last one (a repeat or out of order), which is left out.
   */
  add(timeNs: number, startNs: number, value: number, delta: boolean, windowNs: number, nowMs: number): boolean {
    const d = this.data;
    d[SEEN_AT_MS] = nowMs;
    const n = d.length;
    if (n > FIRST && timeNs <= d[n - 2]!) return false;
    const lastRaw = d[LAST_RAW]!;
    let total = d[TOTAL]!;
    if (delta) {
      if (n === FIRST) this.push(startNs || timeNs - 1, 0);
      total += value;
    } else if (Number.isNaN(lastRaw)) {
      // First sight: a series that started within the window counts in full from 0 at its start;
      // an older one is a baseline (its past increases are outside what we can know).
      if (startNs > 0 && startNs >= timeNs - windowNs) {
        this.push(startNs, 0);
        total = value;
      }
    } else if (value < lastRaw || startNs !== d[LAST_START]) {
      total += value;
    } else {
      total += value - lastRaw;
    }
    const data = this.data;
    data[TOTAL] = total;
    if (!delta) {
      data[LAST_RAW] = value;
      data[LAST_START] = startNs;
    }
    this.push(timeNs, total);
    this.prune(timeNs - windowNs);
    return true;
  }

  /** The increase over (endNs − windowNs, endNs]; 0 without two samples to compare. */
  increase(endNs: number, windowNs: number): number {
    const from = endNs - windowNs;
    const s = this.data;
    let before: number | undefined;
    let at: number | undefined;
    for (let i = FIRST; i < s.length; i += 2) {
      const t = s[i]!;
      if (t > endNs) break;
      if (t <= from) before = s[i + 1];
      at = s[i + 1];
    }
    if (at === undefined) return 0;
    return at - (before ?? s[FIRST + 1]!);
  }

  /** A new array of the exact size: `push` would leave ~17 spare slots in every series. */
  private push(t: number, total: number): void {
    this.data = this.data.concat(t, total);
  }

  /** Keeps the newest sample at or before `from` and everything after it. */
  private prune(from: number): void {
    const d = this.data;
    let keepFrom = FIRST;
    for (let i = FIRST; i < d.length; i += 2) if (d[i]! <= from) keepFrom = i;
    if (keepFrom > FIRST) this.data = d.slice(0, FIRST).concat(d.slice(keepFrom));
  }
}
