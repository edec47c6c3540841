import { AsyncLocalStorage } from 'node:async_hooks';

/*
 * Where data came from, for state that must follow it: a receiver that takes data from a place another
 * gateway may take over (a JetStream partition) hands each batch to its pipelines inside
 * `withOrigin(origin, …)`; a stateful stage reads `currentOrigin()` when it updates a series and keeps it
 * beside that series; when the receiver loses the place it raises `CreateSettings.originsLost`, and the
 * engine calls `forgetOrigins` on every component downstream, which drops the series built from it.
 * An origin is an opaque string: only the receiver that made it knows what it means.
 * The origin rides the async context (AsyncLocalStorage), not the batch: every stage builds new batch
 * objects, and none has to carry it. A stage that emits later, outside the consume call (a flush on a
 * timer), re-enters its series' origin with `withOrigin` so the stages after it see it too.
 */
const current = new AsyncLocalStorage<string>();

/** The origin of series fed by several origins: forgotten when any of them is lost (rebuilt at their next point). */
export const MIXED_ORIGIN = '\u0000mixed';

/** Runs `work` (and everything it starts) with `origin` as the current origin. */
export function withOrigin<T>(origin: string, work: () => T): T {
  return current.run(origin, work);
}

/** The origin of the data being consumed now; undefined outside any receiver's `withOrigin`. */
export function currentOrigin(): string | undefined {
  return current.getStore();
}

/** A series' origin after it took data of origin `now`: its own while they agree, else mixed. */
export function joinOrigin(held: string | undefined, now: string | undefined): string | undefined {
  return held === now || held === MIXED_ORIGIN ? held : held === undefined ? now : MIXED_ORIGIN;
}

/** Whether state of origin `origin` goes when `lost` are lost (a mixed one always does). */
export function forgottenWith(origin: string | undefined, lost: ReadonlySet<string>): boolean {
  return origin !== undefined && (origin === MIXED_ORIGIN || lost.has(origin));
}
