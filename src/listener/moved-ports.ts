import type { ListenerHandover } from '../component/component.ts';
import type { BoundEndpoint } from '../config/endpoints.ts';
import { parseEndpoint } from '../config/schema-helpers.ts';

/** The port of a listener key (`host:port kind`, see `listenerKey`); 0 (a free port each time) for none. */
function keyPort(key: string): number {
  return parseEndpoint(key.slice(0, key.lastIndexOf(' ')))?.port ?? 0;
}

/**
 * A reload, after the old pipelines stopped and before the new ones start: closes each listener the old
 * components left bound (`handovers`, by component key) whose port a component of another key now wants
 * (`wanted`): a listener moved from one receiver to another (`otlp/a` → `otlp/b` on the same port), two
 * receivers that swapped ports. Otherwise the new component would find its port taken by a predecessor's
 * listener that only closes once the new pipelines run, and the reload would be refused. A listener its
 * own successor wants on the same port (kept, or closed first by it), or that nobody wants (closed once
 * the new pipelines run, as before), is left alone. Answers the keys of the listeners it closed.
 */
export async function freeMovedPorts(wanted: readonly BoundEndpoint[], handovers: ReadonlyMap<string, ListenerHandover>): Promise<string[]> {
  const closed: string[] = [];
  for (const [owner, handover] of handovers) {
    for (const listener of handover.held?.() ?? []) {
      const port = keyPort(listener.key);
      if (listener.closed || port === 0) continue;
      const taker = wanted.find((w) => w.owner !== owner && parseEndpoint(w.endpoint)?.port === port);
      if (!taker) continue;
      await listener.close();
      closed.push(`${owner} ${listener.key}`);
    }
  }
  return closed;
}
