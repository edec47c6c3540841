import { ExpiringMap } from './expiring-map.ts';

/** What a cumulative value adds over the previous one: an increase, all of it (a reset), or nothing knowable (a new baseline). */
export type Difference<V> = V | 'reset' | 'baseline';

interface Held<V> {
  startNs: number;
  timeNs: number;
  value: V;
}

/**
 * The increases of cumulative series, as DataDog's own exporter makes counts of them: a point no newer
 * than the previous is ignored; a series' first point counts in full if it started after the gateway,
 * else it is only the baseline for the next; a new start time is a reset, counted in full; otherwise
 * `difference` tells (a value going down is a reset too). Series unseen for `ttlMs` are forgotten.
 */
export class CumulativeIncreases<V> {
  private readonly held: ExpiringMap<Held<V>>;

  constructor(
    private readonly startedAtNs: number,
    ttlMs: number,
    private readonly difference: (current: V, previous: V) => Difference<V>,
  ) {
    this.held = new ExpiringMap(ttlMs);
  }

  /** The increase up to `timeNs` and the time it counts from, or undefined when there is none to send. */
  increase(key: string, startNs: number, timeNs: number, value: V, nowMs: number): { value: V; fromNs: number } | undefined {
    const prev = this.held.get(key);
    if (prev && timeNs <= prev.timeNs) return undefined;
    this.held.set(key, { startNs, timeNs, value }, nowMs);
    if (!prev) return startNs >= this.startedAtNs ? { value, fromNs: startNs } : undefined;
    const d = startNs !== prev.startNs ? 'reset' : this.difference(value, prev.value);
    if (d === 'baseline') return undefined;
    return d === 'reset' ? { value, fromNs: startNs } : { value: d, fromNs: prev.timeNs };
  }

  sweep(nowMs: number): void {
    this.held.sweep(nowMs);
  }
}

/** A counter's increase: the difference, or a reset when it went down. */
export function counterDifference(current: number, previous: number): Difference<number> {
  return current < previous ? 'reset' : current - previous;
}
