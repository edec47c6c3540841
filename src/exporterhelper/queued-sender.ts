import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { CreateSettings } from '../component/component.ts';
import type { Signal } from '../model/common.ts';
import { duration } from '../config/schema-helpers.ts';
import { FileLog } from './file-log.ts';
import { SenderGroup } from './sender-group.ts';
import { SendError, retryConfigSchema, sendWithRetry, type RetryConfig } from './retry.ts';
import { ShardedQueue, type Ticket } from './sharded-queue.ts';

/** The batching and queueing settings every pushing exporter shares (remote-write, DataDog). */
export const queuedSenderSchema = {
  /** Items per request. */
  max_samples_per_send: z.number().int().positive().default(2000),
  /** A partly filled request is sent after this long. */
  batch_send_deadline: duration('5s'),
  /** Parallel senders; each series always goes through the same one, so its items stay in order. */
  num_consumers: z.number().int().positive().default(4),
  retry_on_failure: retryConfigSchema,
  sending_queue: z
    .object({
      /** Items (remote-write: samples) not yet delivered, across senders; under `block` a batch that would not fit is refused whole. */
      queue_size: z.number().int().positive().default(100_000),
      /** When full: `block` (the receiver answers 429, the SDKs retry) or `drop_oldest` (counted). */
      full_policy: z.enum(['block', 'drop_oldest']).default('block'),
      /** Persist the queue here, so accepted items survive a crash or restart. */
      storage: z.object({ directory: z.string().min(1) }).strict().optional(),
    })
    .strict()
    .default({}),
};

export interface QueuedSenderConfig {
  max_samples_per_send: number;
  batch_send_deadline: number;
  num_consumers: number;
  retry_on_failure: RetryConfig;
  sending_queue: { queue_size: number; full_policy: 'block' | 'drop_oldest'; storage?: { directory: string } | undefined };
}

export interface QueuedSenderOptions<T> {
  /** How items are stored in the persistent queue. */
  codec: { encode(items: readonly T[]): Buffer; decode(payload: Buffer): T[] };
  /** Items of one series share a key, so they go out in order. */
  shardKey(item: T): string;
  /** One request; throws SendError (retryable or not). */
  send(items: T[]): Promise<void>;
  /** What the items are, for the telemetry (default: metrics). */
  signal?: Signal;
}

const SHUTDOWN_GRACE_MS = 5_000;
/** Distinct error messages remembered for log-once; past this the oldest is forgotten (and may be logged again). */
const MAX_REMEMBERED_ERRORS = 100;
/** A persisted record starts with this byte, then the acceptance time (f64 ms), then the codec's bytes. */
const RECORD_V1 = 1;
const RECORD_HEADER = 9;

/** A health detail read when served (JSON.stringify calls toJSON), so /health/detailed is never stale during an outage. */
function live(read: () => number): { toJSON: () => number } {
  return { toJSON: read };
}

/**
 * The exporterhelper of pushing exporters: a sharded, bounded queue (optionally persisted to a
 * checksummed file log, fsynced before acceptance), retries with backoff, splitting of a request a
 * receiver refused for some of its items, and the telemetry of it all. An exporter gives it items, a
 * codec, a shard key and a `send`; everything else is here, once.
 */
export class QueuedSender<T> {
  private readonly queue: ShardedQueue<T>;
  private readonly stop = new AbortController();
  private readonly reported = new Set<string>();
  /** The component's senders, whose queue details and gauges are totals over all of them. */
  private readonly group: SenderGroup;
  private log: FileLog | undefined;
  private readonly signal: Signal;

  constructor(
    private readonly settings: CreateSettings,
    private readonly config: QueuedSenderConfig,
    private readonly options: QueuedSenderOptions<T>,
  ) {
    const t = settings.telemetry;
    this.signal = options.signal ?? 'metrics';
    this.queue = new ShardedQueue<T>(
      {
        shards: config.num_consumers,
        maxSamplesPerSend: config.max_samples_per_send,
        deadlineMs: config.batch_send_deadline,
        capacity: config.sending_queue.queue_size,
        fullPolicy: config.sending_queue.full_policy,
      },
      {
        shardKey: options.shardKey,
        deliver: (items) => this.deliver(items),
        onDroppedOldest: (n) => t.failed(this.signal, n, 'queue_full'),
        onSizeChanged: () => this.group.sizeChanged(),
      },
    );
    this.group = SenderGroup.join(settings.health, t, this.queue);
  }

  /** Items accepted and not yet settled (waiting, or being sent and retried). */
  get pending(): number {
    return this.queue.pending;
  }

  /** Opens the persistent queue, if any, and resends what it still holds. */
  start(): void {
    const configured = this.config.sending_queue.storage;
    if (!configured) return;
    // Each worker keeps its own log (one writer per file); a restarted worker reopens the same one.
    const worker = this.settings.worker;
    const storage = worker ? { directory: join(configured.directory, `worker-${worker.index}`) } : configured;
    const { log, pending, tornRecords, tornBytes } = FileLog.open(storage.directory);
    this.log = log;
    this.settings.health.setDetail('persisted_batches', live(() => this.log?.backlog ?? 0));
    if (tornRecords > 0) {
      // Never acknowledged to a client (the fsync did not return), and unreadable: counted by record.
      this.settings.telemetry.failed(this.signal, tornRecords, 'torn_record');
      this.settings.logger.warn({ records: tornRecords, bytes: tornBytes, directory: storage.directory }, 'Cut off a torn record at the end of the persistent queue (a crash mid-write).');
    }
    let resent = 0;
    for (const record of pending) {
      const decoded = this.decodeRecord(record.payload);
      if (!decoded) {
        this.settings.telemetry.failed(this.signal, 1, 'undecodable_record');
        this.settings.logger.error({ seq: record.seq, directory: storage.directory }, 'Skipped a persisted batch that cannot be decoded.');
        log.ack(record.seq);
        continue;
      }
      this.queue.enqueue(decoded.items, this.ticket(record.seq), decoded.acceptedAt);
      resent++;
    }
    if (resent > 0) this.settings.logger.info({ batches: resent }, 'Resending batches left in the persistent queue.');
  }

  /**
   * Throws a retryable ConsumerError when `n` more items would not fit (under `block`). `n` is in the
   * queue's unit, the exporter's items (remote-write: samples), as `queue_size` is.
   */
  assertRoom(n: number): void {
    this.queue.assertRoom(n);
  }

  /** Queues items; with storage they are on disk (fsynced) when this returns. */
  accept(items: T[]): void {
    if (items.length === 0) return;
    const acceptedAt = Date.now();
    let seq: number | undefined;
    if (this.log) {
      const body = this.options.codec.encode(items);
      const record = Buffer.allocUnsafe(RECORD_HEADER + body.length);
      record.writeUInt8(RECORD_V1, 0);
      record.writeDoubleLE(acceptedAt, 1);
      body.copy(record, RECORD_HEADER);
      seq = this.log.append(record);
    }
    this.queue.enqueue(items, this.ticket(seq), acceptedAt);
  }

  async shutdown(): Promise<void> {
    // Unref'd: once the queue has flushed, the grace timer must not keep the process alive for 5 s.
    const flushed = await Promise.race([this.queue.flush().then(() => true), sleep(SHUTDOWN_GRACE_MS, undefined, { ref: false }).then(() => false)]);
    if (!flushed) {
      const left = this.queue.pending;
      this.settings.logger.warn({ items: left, persisted: this.log !== undefined }, this.log ? 'Shutting down with items unsent; the persistent queue resends them at the next start.' : 'Shutting down with items unsent; they are lost (configure sending_queue.storage to keep them).');
    }
    this.stop.abort();
    this.queue.stop();
    this.group.leave(this.queue);
    this.log?.close();
    this.log = undefined;
  }

  /** A persisted record's items and acceptance time; undefined when it cannot be read. */
  private decodeRecord(payload: Buffer): { items: T[]; acceptedAt: number } | undefined {
    try {
      // Written before records had a header (the codec's bytes alone): replayed, aged from now.
      if (payload.readUInt8(0) !== RECORD_V1) return { items: this.options.codec.decode(payload), acceptedAt: Date.now() };
      return { items: this.options.codec.decode(payload.subarray(RECORD_HEADER)), acceptedAt: payload.readDoubleLE(1) };
    } catch {
      return undefined;
    }
  }

  private ticket(seq: number | undefined): Ticket {
    return { remaining: 0, onDone: () => (seq !== undefined ? this.log?.ack(seq) : undefined) };
  }

  /**
   * Sends items with retries; when the receiver refuses a request for some of its items (a 400 for an
   * out-of-order or duplicate sample rejects the whole request in Prometheus), the request is split in
   * halves, recursively, so only the offending items are dropped and counted. Order is kept: the first
   * half is settled before the second is sent.
   */
  private async deliver(items: T[]): Promise<void> {
    try {
      await this.sendWithRetry(items);
      this.settings.telemetry.sent(this.signal, items.length);
      this.settings.health.reportOk();
    } catch (error) {
      if (error instanceof SendError && error.splittable && items.length > 1 && !this.stop.signal.aborted) {
        const half = Math.ceil(items.length / 2);
        await this.deliver(items.slice(0, half));
        await this.deliver(items.slice(half));
        return;
      }
      this.failed(items.length, error);
    }
  }

  /** One request with its retries, in one span of the gateway's own traces (its `retries`, and its error if it fails). */
  private async sendWithRetry(items: T[]): Promise<void> {
    const span = this.settings.telemetry.span(`send ${this.signal}`, 'client', this.signal);
    const timer = this.settings.telemetry.sendTimer(this.signal);
    try {
      await sendWithRetry(() => this.options.send(items), this.config.retry_on_failure, this.stop.signal, {
        onRetry: (error, attempt, delayMs) => {
          span.retried();
          this.settings.health.reportError(error);
          this.settings.logger.warn({ attempt, delay_ms: Math.round(delayMs), reason: error.reason }, `Send failed, retrying: ${error.message}`);
        },
      });
      timer.end('success');
      span.end();
    } catch (error) {
      timer.end('failure');
      span.end({ reason: error instanceof SendError ? error.reason : 'error', message: error instanceof Error ? error.message : String(error) });
      throw error;
    }
  }

  /** Counted by reason; each distinct answer is logged once (of the last 100 distinct), so an outage does not flood the log. */
  private failed(items: number, error: unknown): void {
    const e = error instanceof SendError ? error : new SendError(String(error), false, 'error');
    this.settings.telemetry.failed(this.signal, items, e.reason);
    this.settings.health.reportError(e);
    if (this.reported.has(e.message)) return;
    if (this.reported.size >= MAX_REMEMBERED_ERRORS) this.reported.delete(this.reported.values().next().value!);
    this.reported.add(e.message);
    this.settings.logger.error({ items, reason: e.reason }, `Dropped items: ${e.message}`);
  }
}
