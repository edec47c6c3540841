import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { KV } from 'nats';
import type { Logger } from 'pino';

/** What the lease keeper drives: start or stop consuming a partition (stop resolves once in-flight messages are settled). */
export interface PartitionHolder {
  attach(p: number): Promise<void>;
  detach(p: number): Promise<void>;
}

export interface LeaseSettings {
  partitionCount: number;
  /** Partitions this instance claims first (its `partitions` or ordinal's share); may be empty. */
  preferred: readonly number[];
  /** A lease not renewed this long is gone (the KV bucket's max age). */
  ttlMs: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Partition ownership by leases in a JetStream KV bucket whose entries expire after `ttl`: key
 * `p.<n>` holds the owner's ID, created only if absent (so one owner at a time), renewed every ttl/3
 * with a compare-and-set on its revision. Each instance also keeps `members.<id>` alive, so all know how
 * many are alive and claim at most their share, ceil(partitions / members), preferred partitions first.
 * An instance that dies (SIGKILL) stops renewing: its leases expire within ttl, and the others, looking
 * every ttl/6, find them free and take them over. One that holds more than its share (a member came
 * back) releases the partitions it does not prefer. A clean shutdown deletes its leases at once.
 *
 * Fencing (`holds`): a lease counts as held only until `ttl` after the request that last created or
 * renewed it was sent, on this process's monotonic clock, which keeps running while the process is
 * frozen (SIGSTOP, a VM pause). The server counts its `ttl` from when it stored that request, later, so
 * this instance's own deadline always passes before anyone else can take the partition. A frozen holder
 * that wakes up past it hands nothing more to its pipelines (the receiver leaves the message
 * unacknowledged for the partition's owner) and renews at once: the renewal's compare-and-set fails if
 * the lease was taken, and it stops consuming; it succeeds if nobody took it, and it goes on.
 */
export class PartitionLeases {
  readonly id = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  /** Held partitions: their lease's revision (for the compare-and-set renewal) and until when, on the monotonic clock, it is surely still ours. */
  private readonly held = new Map<number, { revision: number; validUntil: number }>();
  private timers: NodeJS.Timeout[] = [];
  private busy = false;
  private stopped = false;

  constructor(
    private readonly kv: KV,
    private readonly settings: LeaseSettings,
    private readonly holder: PartitionHolder,
    private readonly logger: Logger,
  ) {}

  get partitions(): number[] {
    return [...this.held.keys()].sort((a, b) => a - b);
  }

  /**
   * Whether partition `p`'s lease is surely still this instance's: nobody else can hold it now. False
   * past the deadline (a freeze, a stall): then a renewal is started at once, which either extends the
   * lease or finds it lost and stops the partition.
   */
  holds(p: number): boolean {
    const lease = this.held.get(p);
    if (!lease) return false;
    if (performance.now() < lease.validUntil) return true;
    void this.round(true);
    return false;
  }

  /** Joins, claims what it can now, then keeps renewing and looking for free partitions. */
  async start(): Promise<void> {
    await this.kv.put(this.memberKey, encoder.encode(String(Date.now())));
    await this.round(true);
    const every = (ms: number, renew: boolean) => {
      const t = setInterval(() => void this.round(renew), Math.max(50, Math.round(ms)));
      t.unref();
      this.timers.push(t);
    };
    every(this.settings.ttlMs / 3, true);
    every(this.settings.ttlMs / 6, false);
  }

  /** Stops consuming and gives every lease back, so the others take over at their next look. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const p of this.partitions) await this.release(p);
    await this.kv.delete(this.memberKey).catch(() => undefined);
  }

  private get memberKey(): string {
    return `members.${this.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  }

  /** One pass: renew (when due), rebalance, claim. Never throws; never runs twice at once. */
  private async round(renew: boolean): Promise<void> {
    if (this.busy || this.stopped) return;
    this.busy = true;
    try {
      if (renew) await this.renew();
      const share = Math.ceil(this.settings.partitionCount / (await this.members()));
      await this.shed(share);
      await this.claim(share);
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'Partition lease round failed; trying again.');
    } finally {
      this.busy = false;
    }
  }

  private async renew(): Promise<void> {
    await this.kv.put(this.memberKey, encoder.encode(String(Date.now())));
    for (const [p, { revision }] of [...this.held]) {
      try {
        const sentAt = performance.now();
        this.held.set(p, { revision: await this.kv.update(`p.${p}`, encoder.encode(this.id), revision), validUntil: sentAt + this.settings.ttlMs });
      } catch {
        // Expired and maybe taken (this instance stalled longer than ttl): stop consuming it.
        this.held.delete(p);
        await this.holder.detach(p);
        this.logger.warn({ partition: p }, 'Lost a partition lease (not renewed in time); stopped consuming it.');
      }
    }
  }

  private async members(): Promise<number> {
    let n = 0;
    for await (const _ of await this.kv.keys('members.>')) n++;
    return Math.max(1, n);
  }

  /** Gives back partitions it does not prefer while it holds more than its share. */
  private async shed(share: number): Promise<void> {
    const extra = this.partitions.filter((p) => !this.settings.preferred.includes(p)).reverse();
    while (this.held.size > share && extra.length > 0) await this.release(extra.shift()!);
  }

  /** Preferred partitions always; others while below its share, starting at a place of its own so instances spread. */
  private async claim(share: number): Promise<void> {
    const n = this.settings.partitionCount;
    const start = Number.parseInt(this.id.slice(-6), 16) % n;
    const others = Array.from({ length: n }, (_, i) => (start + i) % n).filter((p) => !this.settings.preferred.includes(p));
    for (const p of [...this.settings.preferred, ...others]) {
      if (this.held.has(p)) continue;
      if (this.held.size >= share && !this.settings.preferred.includes(p)) break;
      const entry = await this.kv.get(`p.${p}`);
      if (entry && entry.operation === 'PUT') continue;
      let revision: number;
      const sentAt = performance.now();
      try {
        revision = entry ? await this.kv.update(`p.${p}`, encoder.encode(this.id), entry.revision) : await this.kv.create(`p.${p}`, encoder.encode(this.id));
      } catch {
        continue; // another instance was first
      }
      this.held.set(p, { revision, validUntil: sentAt + this.settings.ttlMs });
      await this.holder.attach(p);
      this.logger.info({ partition: p, owner: entry ? undefined : this.id }, 'Took a partition lease.');
    }
  }

  private async release(p: number): Promise<void> {
    const revision = this.held.get(p)?.revision;
    this.held.delete(p);
    await this.holder.detach(p);
    if (revision !== undefined) await this.kv.delete(`p.${p}`, { previousSeq: revision }).catch(() => undefined);
  }
}

/** The owner ID a lease value holds. */
export function leaseOwner(value: Uint8Array): string {
  return decoder.decode(value);
}
