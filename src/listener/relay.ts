/**
 * What a listener hands each request to, kept apart from the listener so that on a reload the bound
 * server can stay and only its owner change: while no owner is set (between the old receiver stopping
 * and the new one starting) requests wait here, then go to the new owner in the order they came.
 */
export class Relay<A extends unknown[]> {
  private target: ((...args: A) => void) | undefined;
  private readonly held: A[] = [];

  /** The listener's handler: to the owner, or held. */
  readonly deliver = (...args: A): void => {
    if (this.target) this.target(...args);
    else this.held.push(args);
  };

  /** The owner from now on; the requests that waited go to it first. */
  attach(target: (...args: A) => void): void {
    this.target = target;
    for (const args of this.held.splice(0)) target(...args);
  }

  /** No owner: requests wait until the next `attach`. */
  detach(): void {
    this.target = undefined;
  }

  /** Nobody will own the listener: each waiting request is answered by `refuse`. */
  refuseHeld(refuse: (...args: A) => void): void {
    for (const args of this.held.splice(0)) refuse(...args);
  }
}

/** A listener left bound on a reload (see `Component.handOver`), with the relay its requests go through. */
export interface BoundListener<A extends unknown[]> {
  /** Its address and security as configured (`listenerKey`): a successor configured the same takes it. */
  readonly key: string;
  /** The address it is bound to (port 0 resolved). */
  readonly address: string;
  readonly relay: Relay<A>;
  /** Whether `close` was called: a closed listener is never handed back or taken. */
  closed: boolean;
  /** Closes it (again: nothing); the requests held in its relay are refused as unavailable (to be retried). */
  close(): Promise<void>;
}

/** What a successor must match to take a bound listener: the configured endpoint and the kind of TLS. */
export function listenerKey(endpoint: string, tls: { ca?: unknown } | undefined): string {
  return `${endpoint} ${tls ? (tls.ca !== undefined ? 'mtls' : 'tls') : 'plain'}`;
}

/**
 * Whether two listener keys name the same fixed port (whatever their host or TLS): the old listener must
 * close before the new one can bind it. Port 0 is never the same: the new one gets a port of its own.
 */
export function samePort(a: string, b: string): boolean {
  const port = (key: string) => key.slice(key.lastIndexOf(':', key.lastIndexOf(' ')) + 1, key.lastIndexOf(' '));
  return port(a) === port(b) && port(a) !== '0';
}

/** Resolves once `inFlight()` is 0 (the requests already admitted have reached the pipelines), or after `graceMs`. */
export async function drained(inFlight: () => number, graceMs = 5_000): Promise<void> {
  const until = performance.now() + graceMs;
  while (inFlight() > 0 && performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 5));
}
