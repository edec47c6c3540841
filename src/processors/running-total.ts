/**
 * One counter series as a running total whatever its temporality, as every stateful processor that
 * adds up counters needs it: cumulative points add their increase (a smaller value or a new start time
 * is a reset, whose value counts in full), delta points add themselves, and a point not newer than the
 * last one (a client's retry, a resend, or out of order) adds nothing.
 * Its four numbers live in slots of a number array (`RUNNING_TOTAL_SLOTS` from an offset), so a holder
 * of many series keeps them beside its own numbers in one array: 8 B a number there, against an
 * object's boxed field (4 B pointer and a 12 B heap number) and its header.
 */
export const RUNNING_TOTAL_SLOTS = 4;
const LAST_TIME = 0;
const LAST_RAW = 1;
const LAST_START = 2;
const TOTAL = 3;

/** The slots of a running total that took no point yet. */
export const NEW_RUNNING_TOTAL: readonly number[] = [-Infinity, NaN, NaN, 0];

/** The total held at `at`. */
export function runningTotal(s: readonly number[], at: number): number {
  return s[at + TOTAL]!;
}

/** Whether the running total at `at` ever took a point. */
export function runningTotalStarted(s: readonly number[], at: number): boolean {
  return s[at + LAST_TIME] !== -Infinity;
}

/**
 * Takes a point into the running total at `at` and returns what it added, or undefined for a point
 * not newer than the last (left out). `countFirst` says whether a cumulative series' first value counts
 * in full (it started within what is being counted) or is only a baseline for the next points.
 */
export function addToRunningTotal(s: number[], at: number, timeNs: number, startNs: number, value: number, delta: boolean, countFirst: boolean): number | undefined {
  if (timeNs <= s[at + LAST_TIME]!) return undefined;
  s[at + LAST_TIME] = timeNs;
  let increase: number;
  if (delta) increase = value;
  else {
    const lastRaw = s[at + LAST_RAW]!;
    if (Number.isNaN(lastRaw)) increase = countFirst ? value : 0;
    else if (value < lastRaw || startNs !== s[at + LAST_START]) increase = value;
    else increase = value - lastRaw;
    s[at + LAST_RAW] = value;
    s[at + LAST_START] = startNs;
  }
  s[at + TOTAL] = s[at + TOTAL]! + increase;
  return increase;
}

/** A running total on its own (see above). */
export class RunningTotal {
  private readonly s = [...NEW_RUNNING_TOTAL];

  get total(): number {
    return runningTotal(this.s, 0);
  }

  /** Whether a point was ever taken. */
  get started(): boolean {
    return runningTotalStarted(this.s, 0);
  }

  /** See `addToRunningTotal`. */
  add(timeNs: number, startNs: number, value: number, delta: boolean, countFirst: boolean): number | undefined {
    return addToRunningTotal(this.s, 0, timeNs, startNs, value, delta, countFirst);
  }
}
