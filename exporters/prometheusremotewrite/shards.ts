import { ConsumerError } from '../../src/consumer/errors.ts';
import type { PromSample } from '../../src/translate/prometheus-samples.ts';

/** A group of samples accepted together (one persisted record); done when all its samples are. */
export interface Ticket {
  /** Set by `enqueue` to the group's sample count. */
  remaining: number;
  onDone(): void;
}

interface Entry {
  sample: PromSample;
  ticket: Ticket;
  /** When it was queued (ms), for the queue-age figure. */
  queuedAt: number;
}

export interface ShardOptions {
  shards: number;
  maxSamplesPerSend: number;
  deadlineMs: number;
  capacity: number;
  fullPolicy: 'block' | 'drop_oldest';
}

export interface ShardEvents {
  /** Sends one request (retries included); a rejection means the samples are given up. */
  send(samples: PromSample[]): Promise<void>;
  onSent(samples: number): void;
  onFailed(samples: number, error: unknown): void;
  onDroppedOldest(samples: number): void;
  onSizeChanged(samples: number): void;
}

/**
 * Samples fan out to `shards` senders by a hash of their series, so a series' samples always go out in
 * order through one sender while different series go out in parallel (as Prometheus's own remote-write
 * queue does). A sender sends when it holds `maxSamplesPerSend` samples or its oldest is `deadlineMs` old.
 */
export class ShardedQueue {
  private readonly buffers: Entry[][];
  private readonly busy: boolean[];
  private readonly timers: (NodeJS.Timeout | undefined)[];
  private size = 0;
  private flushing = false;
  private idle: (() => void)[] = [];

  constructor(
    private readonly options: ShardOptions,
    private readonly events: ShardEvents,
  ) {
    this.buffers = Array.from({ length: options.shards }, () => []);
    this.busy = new Array<boolean>(options.shards).fill(false);
    this.timers = new Array<NodeJS.Timeout | undefined>(options.shards).fill(undefined);
  }

  get pending(): number {
    return this.size;
  }

  /** Seconds the oldest waiting sample has waited (0 when empty). */
  oldestAgeSeconds(now = Date.now()): number {
    let oldest = now;
    for (const b of this.buffers) if (b.length > 0 && b[0]!.queuedAt < oldest) oldest = b[0]!.queuedAt;
    return (now - oldest) / 1000;
  }

  /** Whether `n` more samples fit (under `block`); callers check before persisting anything. */
  assertRoom(n: number): void {
    if (this.options.fullPolicy === 'block' && this.size + n > this.options.capacity) {
      throw ConsumerError.retryable(`the remote-write queue is full (${this.size} samples waiting)`, { retryAfterMs: 5000 });
    }
  }

  enqueue(samples: PromSample[], ticket: Ticket): void {
    if (samples.length === 0) {
      ticket.onDone();
      return;
    }
    ticket.remaining = samples.length;
    this.makeRoom(samples.length);
    const queuedAt = Date.now();
    for (const sample of samples) {
      const shard = hashLabels(sample.labels) % this.options.shards;
      this.buffers[shard]!.push({ sample, ticket, queuedAt });
    }
    this.size += samples.length;
    this.events.onSizeChanged(this.size);
    for (let i = 0; i < this.options.shards; i++) this.pump(i);
  }

  /** Sends everything held now, without waiting for deadlines, and resolves when all is settled. */
  async flush(): Promise<void> {
    this.flushing = true;
    for (let i = 0; i < this.options.shards; i++) this.pump(i);
    if (this.size > 0 || this.busy.some(Boolean)) await new Promise<void>((r) => this.idle.push(r));
    this.flushing = false;
  }

  /** Stops the deadline timers (samples left are the persistent queue's to replay, or lost in memory). */
  stop(): void {
    for (const t of this.timers) if (t) clearTimeout(t);
    this.timers.fill(undefined);
  }

  private makeRoom(n: number): void {
    if (this.options.fullPolicy !== 'drop_oldest') return;
    let excess = this.size + n - this.options.capacity;
    if (excess <= 0) return;
    let dropped = 0;
    for (const buffer of this.buffers) {
      while (excess > 0 && buffer.length > 0) {
        const e = buffer.shift()!;
        settle(e.ticket, 1);
        excess--;
        dropped++;
      }
    }
    this.size -= dropped;
    this.events.onDroppedOldest(dropped);
  }

  private pump(i: number): void {
    const buffer = this.buffers[i]!;
    if (this.busy[i] || buffer.length === 0) return this.checkIdle();
    if (buffer.length < this.options.maxSamplesPerSend && !this.flushing) {
      this.timers[i] ??= setTimeout(() => {
        this.timers[i] = undefined;
        this.sendFrom(i);
      }, this.options.deadlineMs);
      return;
    }
    this.sendFrom(i);
  }

  private sendFrom(i: number): void {
    const buffer = this.buffers[i]!;
    if (this.busy[i] || buffer.length === 0) return;
    if (this.timers[i]) clearTimeout(this.timers[i]);
    this.timers[i] = undefined;
    const batch = buffer.splice(0, this.options.maxSamplesPerSend);
    this.busy[i] = true;
    const samples = batch.map((e) => e.sample);
    this.events
      .send(samples)
      .then(
        () => this.events.onSent(samples.length),
        (error: unknown) => this.events.onFailed(samples.length, error),
      )
      .finally(() => {
        for (const e of batch) settle(e.ticket, 1);
        this.size -= batch.length;
        this.events.onSizeChanged(this.size);
        this.busy[i] = false;
        this.pump(i);
      });
  }

  private checkIdle(): void {
    if (this.size === 0 && !this.busy.some(Boolean)) {
      const waiters = this.idle;
      this.idle = [];
      for (const w of waiters) w();
    }
  }
}

function settle(ticket: Ticket, n: number): void {
  ticket.remaining -= n;
  if (ticket.remaining === 0) ticket.onDone();
}

/** FNV-1a over the label pairs: cheap, and the same series always lands on the same shard. */
function hashLabels(labels: [string, string][]): number {
  let h = 0x811c9dc5;
  for (const [k, v] of labels) {
    for (let i = 0; i < k.length; i++) h = Math.imul(h ^ k.charCodeAt(i), 0x01000193);
    for (let i = 0; i < v.length; i++) h = Math.imul(h ^ v.charCodeAt(i), 0x01000193);
  }
  return h >>> 0;
}
