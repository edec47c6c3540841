import type { MetricsConsumer } from '../consumer/consumer.ts';
import type { MetricsBatch } from '../model/metrics.ts';
import { countDataPoints } from '../model/metrics.ts';
import type { EdgeMeter } from './edge-meters.ts';
import { samplePoints, type TappedPoint } from './tap-sample.ts';

export interface TapOptions {
  /** Only metrics whose name this matches. */
  match?: RegExp;
  /** At most this many points a second reach the tap; the rest are counted as dropped. */
  pointsPerSecond: number;
  /** Points held for a slow reader; beyond it new points are dropped. */
  bufferPoints: number;
}

/** What a tap's reader sees, wherever its points come from: one thread's site, or every worker's (`--workers N`). */
export interface TapStream {
  readonly site: string;
  /** Points kept for the reader so far. */
  readonly sampled: number;
  /** Points that matched but were not kept: over the rate, or the reader too slow. */
  readonly dropped: number;
  /** Why the tap closed; undefined while open. */
  readonly closed: string | undefined;
  /** The points kept since the last call (empty once closed and drained). */
  take(): TappedPoint[];
  /** Resolves when points are waiting, the tap closes, or `ms` pass. */
  waitForPoints(ms: number): Promise<void>;
  close(reason: string): void;
}

/** The places a tap can attach, by pipeline in data order, and the taps attached now. */
export interface TapListing {
  sites: Record<string, string[]>;
  taps: { site: string; sampled: number; dropped: number }[];
}

/**
 * Where the admin server's `/tap` gets its taps: the running graph's sites in one thread
 * (`registrySource`), or with `--workers N` every worker's, merged in the main thread.
 * Throws (or rejects with) TapError for a place that does not exist.
 */
export interface TapSource {
  list(): Promise<TapListing>;
  attach(where: TapWhere, options: TapOptions): Promise<TapStream>;
}

/**
 * A tap's buffer for its reader: points are kept within the rate (a one-second window) and the buffer,
 * the rest counted as dropped. Adding never waits on the reader.
 */
export class TapBuffer implements TapStream {
  private buffer: TappedPoint[] = [];
  private windowStart = 0;
  private windowTaken = 0;
  private wake: (() => void) | undefined;
  private closedReason: string | undefined;
  sampled = 0;
  dropped = 0;

  constructor(
    readonly site: string,
    protected readonly options: TapOptions,
    private readonly detach: (tap: TapBuffer) => void,
  ) {}

  /** How many more points may be kept now. */
  protected budget(now: number): number {
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.windowTaken = 0;
    }
    return Math.min(this.options.pointsPerSecond - this.windowTaken, this.options.bufferPoints - this.buffer.length);
  }

  /** Keeps `points` (within the budget the caller asked for) and counts `lost` more as dropped. */
  protected keep(points: readonly TappedPoint[], lost: number): void {
    this.windowTaken += points.length;
    this.sampled += points.length;
    this.dropped += lost;
    if (points.length === 0) return;
    for (const p of points) this.buffer.push(p);
    this.wake?.();
  }

  take(): TappedPoint[] {
    const out = this.buffer;
    this.buffer = [];
    return out;
  }

  waitForPoints(ms: number): Promise<void> {
    if (this.buffer.length > 0 || this.closedReason) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.wake = undefined;
        resolve();
      }
      this.wake = done;
    });
  }

  get closed(): string | undefined {
    return this.closedReason;
  }

  close(reason: string): void {
    if (this.closedReason) return;
    this.closedReason = reason;
    this.detach(this);
    this.wake?.();
  }
}

/**
 * One watcher on a tap site. The pipeline only ever hands it points (`offer`), which it keeps within
 * its rate and buffer or counts as dropped: it never waits on its reader.
 */
export class Tap extends TapBuffer {
  /** Called by the pipeline with every batch passing the site; bounded work, never blocks. */
  offer(batch: MetricsBatch, now = Date.now()): void {
    const budget = this.budget(now);
    if (budget <= 0) {
      // Nothing can be kept: count what passed without looking at a single point.
      this.keep([], this.options.match ? samplePoints(batch, this.options.match, 0).matched : countDataPoints(batch));
      return;
    }
    const { taken, matched } = samplePoints(batch, this.options.match, budget);
    this.keep(taken, matched - taken.length);
  }
}

/**
 * A place in a pipeline where taps can attach: a pass-through consumer, which also counts the points
 * passing while its meter is on (the status page is open). With no tap attached and the meter off it
 * costs two property checks per batch.
 */
export class TapSite implements MetricsConsumer {
  private taps: Tap[] | undefined;

  constructor(
    private readonly next: MetricsConsumer,
    private readonly meter: EdgeMeter = { on: false, items: 0 },
  ) {}

  consumeMetrics(batch: MetricsBatch): Promise<void> {
    if (this.taps) this.offer(batch, this.taps);
    if (this.meter.on) this.meter.items += countDataPoints(batch);
    return this.next.consumeMetrics(batch);
  }

  private offer(batch: MetricsBatch, taps: Tap[]): void {
    for (const tap of taps) {
      try {
        tap.offer(batch);
      } catch (error) {
        // A tap is for looking: whatever goes wrong in it, the pipeline carries on.
        tap.close(`the tap failed: ${(error as Error).message}`);
      }
    }
  }

  attach(tap: Tap): void {
    this.taps = [...(this.taps ?? []), tap];
  }

  detach(tap: Tap): void {
    const left = (this.taps ?? []).filter((t) => t !== tap);
    this.taps = left.length > 0 ? left : undefined;
  }
}

/** Where a tap attaches: after a receiver or processor, or before a processor or exporter, of a pipeline. */
export interface TapWhere {
  pipeline: string;
  position: 'after' | 'before';
  component: string;
}

export class TapError extends Error {}

/** No tap can be attached right now, though the request was right (no worker runs: a start or a restart): 503, to retry. */
export class TapUnavailableError extends TapError {}

/** The tap sites of one running graph, by pipeline and name (`after otlp`, `before prometheus`, …). */
export class TapRegistry {
  private readonly sites = new Map<string, Map<string, TapSite>>();
  private readonly order = new Map<string, string[]>();
  private readonly open = new Set<Tap>();

  /** The names of a pipeline's places in data order (sites are made downstream first). */
  setOrder(pipeline: string, names: string[]): void {
    this.order.set(pipeline, names);
  }

  /** Wraps `next` in a site known by each of `names` in `pipeline` (one place may have two names). */
  site(pipeline: string, names: string[], next: MetricsConsumer, meter?: EdgeMeter): TapSite {
    const site = new TapSite(next, meter);
    let byName = this.sites.get(pipeline);
    if (!byName) this.sites.set(pipeline, (byName = new Map()));
    for (const name of names) byName.set(name, site);
    return site;
  }

  /** Every place a tap can attach, by pipeline, in pipeline order. */
  list(): Record<string, string[]> {
    return Object.fromEntries([...this.sites].map(([pipeline, byName]) => [pipeline, this.names(pipeline, byName)]));
  }

  private names(pipeline: string, byName: Map<string, TapSite>): string[] {
    const order = this.order.get(pipeline) ?? [];
    return [...byName.keys()].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  }

  attach(where: TapWhere, options: TapOptions): Tap {
    const byName = this.sites.get(where.pipeline);
    if (!byName) throw new TapError(`no metrics pipeline "${where.pipeline}"; pipelines: ${[...this.sites.keys()].join(', ') || 'none'}`);
    const name = `${where.position} ${where.component}`;
    const site = byName.get(name);
    if (!site) throw new TapError(`pipeline "${where.pipeline}" has no place "${name}"; it has: ${this.names(where.pipeline, byName).join(', ')}`);
    const tap = new Tap(`${where.pipeline} ${name}`, options, (t) => {
      site.detach(t as Tap);
      this.open.delete(t as Tap);
    });
    site.attach(tap);
    this.open.add(tap);
    return tap;
  }

  /** The taps attached now, with what each kept and dropped so far. */
  attached(): { site: string; sampled: number; dropped: number }[] {
    return [...this.open].map((t) => ({ site: t.site, sampled: t.sampled, dropped: t.dropped }));
  }

  /** Ends every tap (the graph is shutting down, e.g. for a reload). */
  closeAll(reason: string): void {
    for (const tap of [...this.open]) tap.close(reason);
  }
}

/** One thread's taps as a TapSource: the running graph's own sites. */
export function registrySource(taps: TapRegistry): TapSource {
  return {
    list: async () => ({ sites: taps.list(), taps: taps.attached() }),
    attach: async (where, options) => taps.attach(where, options),
  };
}
