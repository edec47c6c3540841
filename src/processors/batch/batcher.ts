import { currentOrigin, withOrigin } from '../../consumer/origin.ts';
import type { SignalBatches } from '../../model/signal-batches.ts';
import type { SignalStage } from '../processor-helper.ts';
import type { BatchConfig } from './config.ts';

/** What is left to send of one caller's batch, and the sends that carried the rest of it. */
interface Piece<T> {
  batch: T;
  items: number;
  sends: Promise<void>[];
  settle(all: Promise<void>): void;
  /** Where it came from (src/consumer/origin.ts): batches never mix origins, and go on under theirs. */
  origin: string | undefined;
}

/**
 * The batch processor of one pipeline: batches are held until `send_batch_size` items are waiting or
 * the first of them has waited `timeout`, then sent on as one (split at `send_batch_max_size`).
 * Unlike the Collector's, `consume` settles only once every send that carries the caller's items has
 * settled, with the first error among them: a refusal downstream (a full exporter queue, the memory
 * limiter) reaches the receiver, which answers 429/503, instead of being logged and the data lost.
 */
export class Batcher<T> implements SignalStage<T> {
  private readonly pending: Piece<T>[] = [];
  private items = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;
  /** `timeout: 0` or `send_batch_size: 0`: nothing waits, batches are only split. */
  private readonly immediate: boolean;
  private readonly maxItems: number;

  constructor(
    private readonly config: BatchConfig,
    private readonly batches: SignalBatches<T>,
    private readonly next: (batch: T) => Promise<void>,
  ) {
    this.immediate = config.timeout === 0 || config.send_batch_size === 0;
    this.maxItems = config.send_batch_max_size > 0 ? config.send_batch_max_size : Infinity;
  }

  async start(): Promise<void> {}

  consume(batch: T): Promise<void> {
    if (this.stopped) return this.send(batch); // after shutdown nothing is held: straight through
    const items = this.batches.count(batch);
    if (items === 0) return Promise.resolve();
    const origin = currentOrigin();
    const done = new Promise<void>((resolve, reject) => this.pending.push({ batch, items, sends: [], settle: (all) => all.then(resolve, reject), origin }));
    this.items += items;
    if (this.immediate || this.items >= this.config.send_batch_size) {
      while (this.items > 0 && (this.immediate || this.items >= this.config.send_batch_size)) this.sendChunk();
      // What is left came with this batch: it may wait a whole timeout.
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.items > 0 && !this.timer) this.timer = setTimeout(() => this.sendAll(), this.config.timeout);
    return done;
  }

  /** Sends everything held and waits for every send in flight to settle. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    this.sendAll();
    await Promise.allSettled([...this.inFlight]);
  }

  /**
   * What it holds of lost origins is sent on now, before the stages after it forget them (the engine tells
   * a pipeline's stages in data order): acknowledged already, it must not rebuild their series later.
   */
  forgetOrigins(lost: ReadonlySet<string>): void {
    for (let piece = this.pending.find((q) => q.origin !== undefined && lost.has(q.origin)); piece; piece = this.pending.find((q) => q.origin !== undefined && lost.has(q.origin))) this.sendChunk(piece.origin);
    if (this.items === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private sendAll(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.items > 0) this.sendChunk();
  }

  /**
   * Sends up to `send_batch_max_size` items held, as one batch: from the front, of one origin only (the
   * front one's unless told; in their order), under that origin, so the stateful stages after it can tell partitions apart.
   */
  private sendChunk(origin = this.pending[0]?.origin): void {
    const parts: T[] = [];
    const carried: Piece<T>[] = [];
    let room = this.maxItems;
    for (let i = 0; room > 0 && i < this.pending.length; ) {
      const piece = this.pending[i]!;
      if (piece.origin !== origin) {
        i++;
        continue;
      }
      const part = piece.items <= room ? { head: piece.batch, rest: undefined, taken: piece.items } : this.batches.take(piece.batch, room);
      parts.push(part.head);
      carried.push(piece);
      room -= part.taken;
      this.items -= part.taken;
      piece.items -= part.taken;
      if (piece.items === 0) this.pending.splice(i, 1);
      else piece.batch = part.rest!;
    }
    const merged = this.batches.merge(parts);
    const sent = origin === undefined ? this.send(merged) : withOrigin(origin, () => this.send(merged));
    for (const piece of carried) {
      piece.sends.push(sent);
      if (piece.items === 0) piece.settle(Promise.all(piece.sends).then(() => undefined));
    }
  }

  private send(batch: T): Promise<void> {
    let sent: Promise<void>;
    try {
      sent = this.next(batch);
    } catch (error) {
      sent = Promise.reject(error);
    }
    this.inFlight.add(sent);
    // Also marks the send handled: its callers may attach to it only once their last item is sent.
    const forget = () => this.inFlight.delete(sent);
    sent.then(forget, forget);
    return sent;
  }
}
