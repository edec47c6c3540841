import { getHeapStatistics } from 'node:v8';
import { memoryInUse } from '../../telemetry/memory-in-use.ts';

/** Where the memory limiter reads memory; tests give their own. */
export interface MemoryProbe {
  /** Bytes the process holds for its data now. */
  usedBytes(): number;
  /** What `limit_percentage` is a percentage of. */
  totalBytes(): number;
  /** A full garbage collection, when node exposes one (`--expose-gc`). */
  collectGarbage: (() => void) | undefined;
}

/**
 * The V8 heap in use plus the memory outside it that JavaScript objects hold (`external`: Buffers,
 * where request bodies and encoded exports live). Not `rss`: V8 and malloc keep freed pages, so RSS
 * barely falls after a collection and the limiter would go on refusing long after the data is gone;
 * it also counts code and stacks that no refusal can free. Percentages are of the V8 heap limit: the
 * heap running out is what kills a Node process first ("JavaScript heap out of memory"). With
 * `--workers N`, the sum over every thread of the process (see memoryInUse): the limit is the process's.
 */
export const processMemory: MemoryProbe = {
  usedBytes: memoryInUse,
  totalBytes: () => getHeapStatistics().heap_size_limit,
  collectGarbage: globalThis.gc === undefined ? undefined : () => globalThis.gc!(),
};
