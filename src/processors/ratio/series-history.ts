/**
 * One counter series as a running total over time, whatever its temporality: cumulative points add
 * their increase (a smaller value or a new start time is a reset, whose value counts in full), delta
 * points add themselves. Samples older than the window are pruned but one, so the increase over the
 * window is exact: total(now) − total at the window's start (the last sample at or before it).
 */
export class SeriesHistory {
  /** Parallel arrays keep a series to a few numbers: times (ns) and running totals. */
  private times: number[] = [];
  private totals: number[] = [];
  private lastRaw = NaN;
  private lastStart = NaN;
  total = 0;
  seenAtMs = 0;

  /** Adds a point; `windowNs` decides whether a new series' first value is inside the window. */
  add(timeNs: number, startNs: number, value: number, delta: boolean, windowNs: number, nowMs: number): void {
    this.seenAtMs = nowMs;
    if (this.times.length > 0 && timeNs <= this.times[this.times.length - 1]!) return;
    if (delta) {
      if (this.times.length === 0) this.push(startNs || timeNs - 1, 0);
      this.total += value;
    } else if (Number.isNaN(this.lastRaw)) {
      // First sight: a series that started within the window counts in full from 0 at its start;
      // an older one is a baseline (its past increases are outside what we can know).
      if (startNs > 0 && startNs >= timeNs - windowNs) {
        this.push(startNs, 0);
        this.total = value;
      }
    } else if (value < this.lastRaw || startNs !== this.lastStart) {
      this.total += value;
    } else {
      this.total += value - this.lastRaw;
    }
    if (!delta) {
      this.lastRaw = value;
      this.lastStart = startNs;
    }
    this.push(timeNs, this.total);
    this.prune(timeNs - windowNs);
  }

  /** The increase over (endNs − windowNs, endNs]; 0 without two samples to compare. */
  increase(endNs: number, windowNs: number): number {
    const from = endNs - windowNs;
    let before: number | undefined;
    let at: number | undefined;
    for (let i = 0; i < this.times.length; i++) {
      const t = this.times[i]!;
      if (t <= from) before = this.totals[i];
      if (t <= endNs) at = this.totals[i];
    }
    if (at === undefined) return 0;
    return at - (before ?? this.totals[0]!);
  }

  private push(t: number, total: number): void {
    this.times.push(t);
    this.totals.push(total);
  }

  /** Keeps the newest sample at or before `from` and everything after it. */
  private prune(from: number): void {
    let keepFrom = 0;
    for (let i = 0; i < this.times.length; i++) if (this.times[i]! <= from) keepFrom = i;
    if (keepFrom > 0) {
      this.times = this.times.slice(keepFrom);
      this.totals = this.totals.slice(keepFrom);
    }
  }
}
