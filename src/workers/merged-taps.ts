import { TapBuffer, TapError, TapUnavailableError, type TapListing, type TapOptions, type TapSource, type TapStream, type TapWhere } from '../pipeline/tap.ts';
import type { TappedPoint } from '../pipeline/tap-sample.ts';
import type { TapMessage, WorkerRequest } from './protocol.ts';

/** How the main thread reaches its workers. */
export interface TapWorkers {
  /** The indexes of the workers running now. */
  running(): number[];
  request(index: number, message: WorkerRequest): Promise<unknown>;
}

/**
 * One tap of `--workers N` as its reader sees it: the points every worker's part kept, merged. Each part
 * keeps the tap's rate on its own, so this keeps it again over all of them; `dropped` adds what each
 * part dropped to what is dropped here.
 */
export class MergedTap extends TapBuffer {
  /** The workers that run a part of this tap. */
  readonly parts = new Set<number>();
  private readonly partDropped = new Map<number, number>();

  /** A part's points and its cumulative drop count, as it pumped them. */
  push(worker: number, points: readonly TappedPoint[], dropped: number, now = Date.now()): void {
    const newlyDropped = dropped - (this.partDropped.get(worker) ?? 0);
    this.partDropped.set(worker, dropped);
    const taken = spread(points, Math.max(0, this.budget(now)));
    this.keep(taken, points.length - taken.length + newlyDropped);
  }
}

/** At most `budget` of `points`, every k-th, so that no part of a batch is favoured. */
function spread(points: readonly TappedPoint[], budget: number): TappedPoint[] {
  if (points.length <= budget) return [...points];
  const stride = points.length / budget;
  return Array.from({ length: budget }, (_, i) => points[Math.floor(i * stride)]!);
}

/**
 * The taps of `switchyard run --workers N`, in the main thread: a tap is attached to the same place in
 * every running worker (its pipelines are the same config), and their points come back over the
 * workers' message ports (WorkerTaps) into one MergedTap. A part that ends (a reload, a shutdown) or a
 * worker that exits ends the tap with that reason; the reader attaches again.
 */
export class WorkerTapSource implements TapSource {
  private nextId = 1;
  private readonly open = new Map<number, MergedTap>();

  constructor(private readonly workers: TapWorkers) {}

  async list(): Promise<TapListing> {
    const first = this.workers.running()[0];
    if (first === undefined) throw new TapUnavailableError('no worker is running (starting or restarting); try again');
    const sites = (await this.workers.request(first, { type: 'tap-list' })) as Record<string, string[]>;
    return { sites, taps: [...this.open.values()].map((t) => ({ site: t.site, sampled: t.sampled, dropped: t.dropped })) };
  }

  async attach(where: TapWhere, options: TapOptions): Promise<TapStream> {
    const running = this.workers.running();
    if (running.length === 0) throw new TapUnavailableError('no worker is running (starting or restarting); try again');
    const id = this.nextId++;
    const tap = new MergedTap(`${where.pipeline} ${where.position} ${where.component}`, options, () => {
      this.open.delete(id);
      for (const i of tap.parts) this.workers.request(i, { type: 'tap-detach', tap: id }).catch(() => undefined);
    });
    // Listed before any worker attaches: its first points may come before its answer.
    this.open.set(id, tap);
    const wire = { pointsPerSecond: options.pointsPerSecond, bufferPoints: options.bufferPoints, ...(options.match ? { match: options.match.source } : {}) };
    const answers = await Promise.allSettled(running.map((i) => this.workers.request(i, { type: 'tap-attach', tap: id, where, options: wire }) as Promise<{ error?: string }>));
    let refusal: string | undefined;
    answers.forEach((a, k) => {
      if (a.status === 'fulfilled' && !a.value.error) tap.parts.add(running[k]!);
      else refusal ??= a.status === 'fulfilled' ? a.value.error : `worker ${running[k]}: ${(a.reason as Error).message}`;
    });
    if (refusal !== undefined) {
      tap.close(refusal);
      throw new TapError(refusal);
    }
    return tap;
  }

  /** A message of a worker's part of a tap. */
  receive(worker: number, m: TapMessage): void {
    const tap = this.open.get(m.tap);
    if (!tap) return;
    if (m.type === 'tap-points') tap.push(worker, m.points, m.dropped);
    else tap.close(m.reason);
  }

  /** A worker exited: the taps it had a part of would silently miss its data, so they end. */
  workerExited(index: number): void {
    for (const tap of [...this.open.values()]) if (tap.parts.has(index)) tap.close(`worker ${index} exited; attach the tap again`);
  }
}
