import { describe, expect, it } from 'vitest';
import { currentOrigin, forgottenWith, joinOrigin, MIXED_ORIGIN, withOrigin } from '../../src/consumer/origin.ts';

describe('origin of consumed data', () => {
  it('is the receiver\'s across awaits and timers started inside, and none outside', async () => {
    expect(currentOrigin()).toBeUndefined();
    const seen = await withOrigin('nats/p3', async () => {
      await new Promise((r) => setTimeout(r, 1));
      const later = await new Promise<string | undefined>((r) => setImmediate(() => r(currentOrigin())));
      return [currentOrigin(), later];
    });
    expect(seen).toEqual(['nats/p3', 'nats/p3']);
    expect(currentOrigin()).toBeUndefined();
    // Two partitions handled at once keep their own.
    const both = await Promise.all(['nats/p0', 'nats/p1'].map((o) => withOrigin(o, async () => (await Promise.resolve(), currentOrigin()))));
    expect(both).toEqual(['nats/p0', 'nats/p1']);
  });

  it('joins to mixed when a series takes data of two origins; a mixed one is forgotten with any', () => {
    expect(joinOrigin(undefined, 'a')).toBe('a');
    expect(joinOrigin('a', 'a')).toBe('a');
    expect(joinOrigin('a', 'b')).toBe(MIXED_ORIGIN);
    expect(joinOrigin(MIXED_ORIGIN, 'a')).toBe(MIXED_ORIGIN);
    const lost = new Set(['b']);
    expect(forgottenWith('b', lost)).toBe(true);
    expect(forgottenWith('a', lost)).toBe(false);
    expect(forgottenWith(undefined, lost)).toBe(false);
    expect(forgottenWith(MIXED_ORIGIN, lost)).toBe(true);
  });
});
