const KIB = 1024;
/** How often each thread publishes its figure with `--workers N` (a memory limiter's check also does). */
export const PUBLISH_INTERVAL_MS = 100;

/**
 * The data this thread holds: the V8 heap in use plus the memory outside it that JavaScript objects
 * hold (`external`: Buffers, where request bodies and encoded exports live). Both are the calling
 * thread's own: a worker thread's `process.memoryUsage()` reports its isolate's heap, not the process's.
 */
export function threadMemory(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/**
 * `--workers N`: every thread's `threadMemory()` in one SharedArrayBuffer (KiB, one Int32 slot per
 * thread: 0 the main thread, 1 + i worker i), so that any thread reads the process's figure without a
 * message. Each thread writes only its own slot; the main thread zeroes a dead worker's.
 */
export class MemoryFigures {
  private readonly slots: Int32Array;

  constructor(
    readonly buffer: SharedArrayBuffer,
    /** This thread's slot. */
    private readonly own: number,
  ) {
    this.slots = new Int32Array(buffer);
  }

  /** The buffer for the main thread and `workers` workers. */
  static allocate(workers: number): SharedArrayBuffer {
    return new SharedArrayBuffer((workers + 1) * Int32Array.BYTES_PER_ELEMENT);
  }

  /** Measures this thread, publishes it; the process's figure with it. */
  publish(): number {
    Atomics.store(this.slots, this.own, Math.ceil(threadMemory() / KIB));
    return this.total();
  }

  /** The process's figure in bytes: every thread's as it last published. */
  total(): number {
    let kib = 0;
    for (let i = 0; i < this.slots.length; i++) kib += Atomics.load(this.slots, i);
    return kib * KIB;
  }

  /** A thread that ended holds nothing. */
  clear(slot: number): void {
    Atomics.store(this.slots, slot, 0);
  }

  /** Publishes every PUBLISH_INTERVAL_MS until the returned function is called; the timer never keeps the thread alive. */
  publishEvery(intervalMs = PUBLISH_INTERVAL_MS): () => void {
    this.publish();
    const timer = setInterval(() => this.publish(), intervalMs).unref();
    return () => clearInterval(timer);
  }
}

let shared: MemoryFigures | undefined;

/** `--workers N`, in each worker: `memoryInUse()` is the process's figure from now on (undefined: this thread's again). */
export function useProcessFigures(figures: MemoryFigures | undefined): void {
  shared = figures;
}

/**
 * What a memory limiter measures: this thread's memory, or with `--workers N` the whole process's
 * (this thread measured now, the others as they last published, at most PUBLISH_INTERVAL_MS ago), so
 * that `limit_mib` bounds the process, as it does with one thread.
 */
export function memoryInUse(): number {
  return shared ? shared.publish() : threadMemory();
}
