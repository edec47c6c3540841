import type { Attributes } from '../../model/common.ts';

const SHARDS = 64;
/** Sets per generation: two generations hold at most twice this (≈ 300 B each with their bytes). */
const GENERATION_SETS = 16_384;
const ARENA_START = 64 * 1024;

interface Entry {
  start: number;
  end: number;
  attributes: Attributes;
  next: Entry | undefined;
}

/** One generation: its sets' encoded bytes copied into one growing arena, found by hash. */
class Generation {
  readonly shards: Map<number, Entry>[] = Array.from({ length: SHARDS }, () => new Map<number, Entry>());
  arena = Buffer.allocUnsafe(ARENA_START);
  used = 0;
  size = 0;

  find(buf: Uint8Array, start: number, end: number, hash: number): Attributes | undefined {
    const arena = this.arena;
    const n = end - start;
    for (let e = this.shards[hash & (SHARDS - 1)]!.get(hash); e !== undefined; e = e.next) {
      // memcmp: ≈2× a byte loop on sets of 100 B and more
      if (e.end - e.start === n && arena.compare(buf, start, end, e.start, e.end) === 0) return e.attributes;
    }
    return undefined;
  }

  add(buf: Uint8Array, start: number, end: number, hash: number, attributes: Attributes): void {
    const n = end - start;
    if (this.used + n > this.arena.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.arena.length * 2, this.used + n));
      this.arena.copy(grown, 0, 0, this.used);
      this.arena = grown;
    }
    this.arena.set(buf.subarray(start, end), this.used);
    const shard = this.shards[hash & (SHARDS - 1)]!;
    shard.set(hash, { start: this.used, end: this.used + n, attributes, next: shard.get(hash) });
    this.used += n;
    this.size++;
  }
}

/**
 * Attribute sets remembered from one request to the next, found again by their encoded bytes. An SDK
 * sends a series' attributes byte for byte the same at every export, so from the second request on
 * its points get the very object the first one got. Every later stage keys its caches on that object
 * (the series key, a relabelled set, a Prometheus label set): with it stable, they are worked out once
 * per series, not once per request. Safe because no stage writes into an attribute set (src/pipeline/README.md).
 * Bounded by two generations: when the current one is full it becomes the previous one, and a set
 * found only there moves up; a set unseen for two generations is decoded anew.
 */
export class AttributeInterner {
  private current = new Generation();
  private previous: Generation | undefined;

  find(buf: Uint8Array, start: number, end: number, hash: number): Attributes | undefined {
    const found = this.current.find(buf, start, end, hash);
    if (found !== undefined || this.previous === undefined) return found;
    const old = this.previous.find(buf, start, end, hash);
    if (old !== undefined) this.add(buf, start, end, hash, old);
    return old;
  }

  add(buf: Uint8Array, start: number, end: number, hash: number, attributes: Attributes): void {
    if (this.current.size >= GENERATION_SETS) {
      this.previous = this.current;
      this.current = new Generation();
    }
    this.current.add(buf, start, end, hash, attributes);
  }
}
