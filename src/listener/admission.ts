/**
 * The decode turns of one listener: requests whose bodies have been read wait here, first come first
 * served, and one is decoded per turn of the event loop.
 *
 * Why: Node decodes a request that arrived whole inside its socket's read callback, so a saturated
 * gateway keeps its backlog where no handler can see it (unread in the kernel's socket buffers, a large
 * body arriving a window per loop turn) and answers everything seconds late, one request in flight at
 * a time. Handing out one turn per loop turn keeps each turn short, so every ready socket is read
 * promptly; the backlog then waits here, where its wait is known. A request that waited longer than
 * `maxWaitMs` is shed undecoded (a retryable refusal), and while the oldest waiter is past that limit
 * new requests are refused on arrival, before their bodies are read: the gateway sheds its excess at
 * once, as the Collector's admission control refuses what it cannot take.
 */
export class DecodeTurns {
  private readonly waiting: { since: number; resolve(granted: boolean): void }[] = [];
  private scheduled = false;

  /** `maxWaitMs` 0: never shed. */
  constructor(private readonly maxWaitMs: number) {}

  /** Whether a request arriving now is to be refused: the oldest waiter has waited past the limit. */
  overloaded(): boolean {
    const oldest = this.waiting[0];
    return this.maxWaitMs > 0 && oldest !== undefined && performance.now() - oldest.since > this.maxWaitMs;
  }

  /** Resolves true at the caller's turn to decode, or false when it waited past the limit and is to be shed. */
  take(): Promise<boolean> {
    return new Promise((resolve) => {
      this.waiting.push({ since: performance.now(), resolve });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // Scheduled from within an immediate callback, the next one runs a loop turn later: reads come between.
    setImmediate(() => this.grant());
  }

  private grant(): void {
    this.scheduled = false;
    const now = performance.now();
    for (let next = this.waiting.shift(); next; next = this.waiting.shift()) {
      const late = this.maxWaitMs > 0 && now - next.since > this.maxWaitMs;
      next.resolve(!late);
      if (!late) break; // shedding is cheap: keep going until one request gets its turn
    }
    if (this.waiting.length > 0) this.schedule();
  }
}

/** The refusal of a request shed by `DecodeTurns`. */
export function overloadMessage(maxWaitMs: number): string {
  return `the gateway is overloaded: requests wait over max_queue_delay (${maxWaitMs} ms) to be decoded; retry later`;
}
