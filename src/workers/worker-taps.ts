import { setTimeout as delay } from 'node:timers/promises';
import { TapError, type TapRegistry, type TapStream, type TapWhere } from '../pipeline/tap.ts';
import type { TapMessage, WireTapOptions } from './protocol.ts';

/** Points kept close together travel in one message: at most one message per tap in this many ms. */
const PUMP_EVERY_MS = 100;
/** With no point kept, the counts still go out this often (a tap dropping everything says so). */
const STATS_EVERY_MS = 1000;

/**
 * A worker's parts of the main thread's taps (`switchyard run --workers N`): each is a real tap on this
 * worker's own sites, whose points are pumped to the main thread over the worker's message port. The
 * tap keeps its rate and buffer here, so the pipeline never waits on the port or the reader.
 */
export class WorkerTaps {
  private readonly open = new Map<number, TapStream>();

  constructor(
    private readonly registry: () => TapRegistry | undefined,
    private readonly post: (m: TapMessage) => void,
  ) {}

  /** Attaches tap `id`; a place this worker's pipelines do not have is answered with its error, not thrown. */
  attach(id: number, where: TapWhere, options: WireTapOptions): { error?: string } {
    const registry = this.registry();
    if (!registry) return { error: 'the pipelines are not running' };
    let tap: TapStream;
    try {
      tap = registry.attach(where, { ...options, match: options.match === undefined ? undefined : new RegExp(options.match) });
    } catch (error) {
      if (error instanceof TapError) return { error: error.message };
      throw error;
    }
    this.open.set(id, tap);
    void this.pump(id, tap);
    return {};
  }

  /** The main thread's reader left. */
  detach(id: number): void {
    this.open.get(id)?.close('the reader left');
  }

  private async pump(id: number, tap: TapStream): Promise<void> {
    const last = { sampled: 0, dropped: 0 };
    const send = () => {
      const points = tap.take();
      if (points.length === 0 && tap.sampled === last.sampled && tap.dropped === last.dropped) return;
      last.sampled = tap.sampled;
      last.dropped = tap.dropped;
      this.post({ type: 'tap-points', tap: id, points, sampled: tap.sampled, dropped: tap.dropped });
    };
    while (!tap.closed) {
      await tap.waitForPoints(STATS_EVERY_MS);
      await delay(PUMP_EVERY_MS, undefined, { ref: false });
      send();
    }
    send();
    this.open.delete(id);
    this.post({ type: 'tap-closed', tap: id, reason: tap.closed });
  }
}
