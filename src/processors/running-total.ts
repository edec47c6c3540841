/**
 * One counter series as a running total whatever its temporality, as every stateful processor that
 * adds up counters needs it: cumulative points add their increase (a smaller value or a new start time
 * is a reset, whose value counts in full), delta points add themselves, and a point not newer than the
 * last one (a client's retry, a resend, or out of order) adds nothing.
 */
export class RunningTotal {
  total = 0;
  private lastTimeNs = -Infinity;
  private lastRaw = NaN;
  private lastStart = NaN;

  /** Whether a point was ever taken. */
  get started(): boolean {
    return this.lastTimeNs !== -Infinity;
  }

  /**
   * Takes a point and returns what it added to the total, or undefined for a point not newer than the
   * last (left out). `countFirst` says whether a cumulative series' first value counts in full (it
   * started within what is being counted) or is only a baseline for the next points.
   */
  add(timeNs: number, startNs: number, value: number, delta: boolean, countFirst: boolean): number | undefined {
    if (timeNs <= this.lastTimeNs) return undefined;
    this.lastTimeNs = timeNs;
    let increase: number;
    if (delta) increase = value;
    else {
      if (Number.isNaN(this.lastRaw)) increase = countFirst ? value : 0;
      else if (value < this.lastRaw || startNs !== this.lastStart) increase = value;
      else increase = value - this.lastRaw;
      this.lastRaw = value;
      this.lastStart = startNs;
    }
    this.total += increase;
    return increase;
  }
}
