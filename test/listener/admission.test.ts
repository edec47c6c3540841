import { describe, expect, it } from 'vitest';
import { DecodeTurns } from '../../src/listener/admission.ts';

/** Keeps the event loop busy, as a decode does. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('decode turns', () => {
  it('grants turns first come first served, one per loop turn', async () => {
    const turns = new DecodeTurns(500);
    const order: number[] = [];
    await Promise.all([1, 2, 3].map((i) => turns.take().then((granted) => order.push(granted ? i : -i))));
    expect(order).toEqual([1, 2, 3]);
  });

  it('sheds a request that waited past the limit, and says it is overloaded while one waits that long', async () => {
    const turns = new DecodeTurns(30);
    const first = turns.take().then((granted) => {
      busy(60); // the first decode holds the loop past the second one's limit
      return granted;
    });
    const second = turns.take();
    expect(await first).toBe(true);
    expect(turns.overloaded()).toBe(true);
    expect(await second).toBe(false);
    expect(turns.overloaded()).toBe(false);
    expect(await turns.take()).toBe(true);
  });

  it('never sheds with a limit of 0', async () => {
    const turns = new DecodeTurns(0);
    const first = turns.take().then(() => busy(40));
    const second = turns.take();
    await first;
    expect(turns.overloaded()).toBe(false);
    expect(await second).toBe(true);
  });
});
