import { fnv1a64, hashMod } from './hash.ts';

/**
 * The partition (worker, JetStream partition) of a routing key among a fixed number `n` of them:
 * FNV-1a 64 of the key modulo n. Use it where n changes only with a restart; where the set of targets
 * changes while running (backends found by DNS), use HashRing, which moves only ≈1/N of the keys.
 */
export function partitionOf(key: string, n: number): number {
  if (!Number.isInteger(n) || n < 1 || n >= 0x200000) throw new RangeError(`partition count must be an integer in [1, 2^21), got ${n}`);
  return n === 1 ? 0 : hashMod(fnv1a64(key), n);
}
