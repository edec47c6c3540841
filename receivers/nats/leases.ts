import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { KV } from 'nats';
import type { Logger } from 'pino';

/** What the lease keeper drives: start or stop consuming a partition (stop resolves once in-flight messages are settled). */
export interface PartitionHolder {
  attach(p: number): Promise<void>;
  detach(p: number): Promise<void>;
  /**
   * Optional: partition `p`'s lease ran past its deadline and cannot be renewed now (NATS unreachable):
   * another gateway may hold it. Consuming goes on (fenced) until a renewal tells; what was built from it
   * should go. Called once per such stretch.
   */
  expired?(p: number): void;
}

export interface LeaseSettings {
  partitionCount: number;
  /** Partitions this instance claims first (its `partitions` or ordinal's share); may be empty. */
  preferred: readonly number[];
  /** A lease not renewed this long is gone (the KV bucket's max age). */
  ttlMs: number;
}

const encoder = new TextEncoder();
/** JetStream's API error for a refused compare-and-set (`Nats-Expected-Last-Subject-Sequence`). */
const WRONG_LAST_SEQUENCE = 10071;
const decoder = new TextDecoder();

/**
 * Partition ownership by leases in a JetStream KV bucket whose entries expire after `ttl`: key
 * `p.<n>` holds the owner's ID, created only if absent (so one owner at a time), renewed every ttl/3
 * with a compare-and-set on its revision. Each instance also keeps `members.<id>` alive (holding the
 * partitions it prefers), so all know how many are alive and claim at most their share,
 * ceil(partitions / members), preferred partitions first.
 * An instance that dies (SIGKILL) stops renewing: its leases expire within ttl, and the others, looking
 * every ttl/6, find them free and take them over. One that holds a partition it does not prefer gives
 * it back when a live member prefers it (a member came back), and others while it holds more than its
 * share. A clean shutdown deletes its leases at once. Renewals never wait behind starting or stopping
 * consumers (which waits for the message being handled): those run beside the lease passes.
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
  private readonly held = new Map<number, { revision: number; validUntil: number; expiredTold?: boolean }>();
  private timers: NodeJS.Timeout[] = [];
  private busy = false;
  /** A renewal was asked for while a pass ran: that pass renews before it ends. */
  private renewDue = false;
  private stopped = false;
  /** Per partition, the last attach or detach asked for (they run in order, beside the lease passes). */
  private readonly steps = new Map<number, Promise<void>>();

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
    await this.kv.put(this.memberKey, this.memberValue());
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
    while (this.busy) await new Promise((r) => setTimeout(r, 10));
    for (const p of this.partitions) this.release(p);
    await Promise.all(this.steps.values());
    await this.kv.delete(this.memberKey).catch(() => undefined);
  }

  /** What `members.<id>` holds: the partitions this instance prefers, so a holder of one of them gives it back. */
  private memberValue(): Uint8Array {
    return encoder.encode(JSON.stringify({ at: Date.now(), preferred: this.settings.preferred }));
  }

  private get memberKey(): string {
    return `members.${this.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  }

  /**
   * One pass: renew (when asked, or asked while another pass ran), rebalance, claim. Only KV requests run
   * here: starting and stopping consumers (which waits for the message being handled) runs beside it, so
   * a slow attach can never hold a renewal back past the TTL. Never throws; never runs twice at once.
   */
  private async round(renew: boolean): Promise<void> {
    if (this.stopped) return;
    if (this.busy) {
      this.renewDue ||= renew;
      return;
    }
    this.busy = true;
    try {
      if (renew) await this.renew();
      const members = await this.members();
      const share = Math.ceil(this.settings.partitionCount / members.count);
      this.shed(share, members.preferredByOthers);
      await this.claim(share, members.preferredByOthers);
      while (this.renewDue && !this.stopped) {
        this.renewDue = false;
        await this.renew();
      }
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'Partition lease round failed; trying again.');
    } finally {
      this.busy = false;
    }
  }

  private async renew(): Promise<void> {
    await this.kv.put(this.memberKey, this.memberValue());
    await Promise.all(
      [...this.held].map(async ([p, lease]) => {
        const { revision } = lease;
        const sentAt = performance.now();
        try {
          const next = await this.kv.update(`p.${p}`, encoder.encode(this.id), revision);
          this.held.set(p, { revision: next, validUntil: sentAt + this.settings.ttlMs });
        } catch (error) {
          // A refused compare-and-set: the lease expired (this instance stalled longer than ttl) and may be
          // someone else's. Any other failure (a timeout) leaves it held: past its deadline `holds` fences
          // it, and the next renewal tells.
          if ((error as { api_error?: { err_code?: number } }).api_error?.err_code !== WRONG_LAST_SEQUENCE) {
            this.logger.warn({ partition: p, err: (error as Error).message }, 'Cannot renew a partition lease; trying again.');
            if (performance.now() >= lease.validUntil && !lease.expiredTold) {
              // Past its deadline and still cut off: another gateway may serve the partition by now.
              lease.expiredTold = true;
              this.holder.expired?.(p);
            }
            return;
          }
          this.held.delete(p);
          this.step(p, () => this.holder.detach(p));
          this.logger.warn({ partition: p }, 'Lost a partition lease (not renewed in time); stopped consuming it.');
        }
      }),
    );
  }

  /** How many instances are alive, and the partitions the others prefer. */
  private async members(): Promise<{ count: number; preferredByOthers: Set<number> }> {
    // Listed first, read after: a KV request made while the key lister runs ends the listing early.
    const keys: string[] = [];
    for await (const key of await this.kv.keys('members.>')) keys.push(key);
    const preferredByOthers = new Set<number>();
    for (const key of keys) {
      if (key === this.memberKey) continue;
      const entry = await this.kv.get(key);
      if (!entry || entry.operation !== 'PUT') continue;
      try {
        const preferred = (JSON.parse(decoder.decode(entry.value)) as { preferred?: unknown }).preferred;
        if (Array.isArray(preferred)) for (const p of preferred) if (Number.isInteger(p)) preferredByOthers.add(p as number);
      } catch {
        // An older member's value (a timestamp): it states no preference.
      }
    }
    return { count: Math.max(1, keys.length), preferredByOthers };
  }

  /**
   * Gives back what it does not prefer when a live instance prefers it (that one claims it at its next
   * look: everyone ends on its own partitions once all are back), then while it holds more than its share.
   */
  private shed(share: number, preferredByOthers: ReadonlySet<number>): void {
    const extra = this.partitions.filter((p) => !this.settings.preferred.includes(p)).reverse();
    for (const p of extra.filter((q) => preferredByOthers.has(q))) this.release(p);
    const rest = extra.filter((q) => !preferredByOthers.has(q));
    while (this.held.size > share && rest.length > 0) this.release(rest.shift()!);
  }

  /**
   * Preferred partitions always; others while below its share, starting at a place of its own so instances
   * spread, but never one a live member prefers: that one takes it. (Taking it would only lend it until the
   * next `shed`, and an instance whose rounds fall just after each give-back would win it back every time,
   * so the one that prefers it never got it.)
   */
  private async claim(share: number, preferredByOthers: ReadonlySet<number>): Promise<void> {
    const n = this.settings.partitionCount;
    const start = Number.parseInt(this.id.slice(-6), 16) % n;
    const others = Array.from({ length: n }, (_, i) => (start + i) % n).filter((p) => !this.settings.preferred.includes(p) && !preferredByOthers.has(p));
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
      this.step(p, () =>
        this.holder.attach(p).catch((error: unknown) => {
          // Held but not consumed would strand the partition: give it back for anyone (this one included) to retry.
          this.logger.warn({ partition: p, err: (error as Error).message }, 'Cannot consume a partition just leased; giving the lease back.');
          if (this.held.has(p)) this.release(p);
        }),
      );
      this.logger.info({ partition: p, owner: entry ? undefined : this.id }, 'Took a partition lease.');
    }
  }

  /** Stops renewing `p`, and gives its lease back once its consumers stopped (the message being handled settled). */
  private release(p: number): void {
    const revision = this.held.get(p)?.revision;
    this.held.delete(p);
    this.step(p, async () => {
      await this.holder.detach(p);
      if (revision !== undefined) await this.kv.delete(`p.${p}`, { previousSeq: revision }).catch(() => undefined);
    });
  }

  /** Runs `work` after the partition's earlier attach or detach: each partition's consumers start and stop in order. */
  private step(p: number, work: () => Promise<void>): void {
    const next = (this.steps.get(p) ?? Promise.resolve())
      .then(work)
      .catch((error: unknown) => this.logger.warn({ partition: p, err: (error as Error).message }, 'Starting or stopping a partition\'s consumers failed.'));
    this.steps.set(p, next);
    void next.then(() => {
      if (this.steps.get(p) === next) this.steps.delete(p);
    });
  }
}

/** The owner ID a lease value holds. */
export function leaseOwner(value: Uint8Array): string {
  return decoder.decode(value);
}
