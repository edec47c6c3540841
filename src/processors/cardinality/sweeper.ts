import type { SeriesMemory } from './series-memory.ts';

/** Frees the slots of label sets gone quiet, at most every `series_ttl / 4` (a minute at the most). */
export class Sweeper {
  readonly everyMs: number;
  private lastMs = 0;

  constructor(
    private readonly memory: SeriesMemory,
    seriesTtlMs: number,
  ) {
    this.everyMs = Math.min(seriesTtlMs / 4, 60_000);
  }

  sweep(nowMs: number): void {
    if (nowMs - this.lastMs < this.everyMs) return;
    this.lastMs = nowMs;
    this.memory.sweep(nowMs);
  }
}
