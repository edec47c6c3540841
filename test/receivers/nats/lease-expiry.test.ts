import type { KV } from 'nats';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { PartitionLeases } from '../../../receivers/nats/leases.ts';

/*
 * A holder cut off from NATS (its renewals time out, none is refused) past its lease's deadline is told
 * `expired` once per such stretch, so the receiver drops the partition's state: another gateway may be
 * serving it by now. A KV whose requests fail on demand stands in for the unreachable server.
 */
function fakeKv(state: { cut: boolean }): KV {
  let revision = 1;
  const kv = {
    put: async () => revision++,
    keys: async () => (async function* () {})(),
    get: async () => null,
    create: async () => revision++,
    update: async () => {
      if (state.cut) throw new Error('TIMEOUT');
      return revision++;
    },
    delete: async () => undefined,
  };
  return kv as unknown as KV;
}

const until = async (check: () => boolean, ms: number) => {
  for (const end = Date.now() + ms; !check() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
};

describe('partition leases: a holder cut off past its deadline', () => {
  it('is told once per stretch that its lease expired, and keeps consuming until a renewal tells', async () => {
    const state = { cut: false };
    const expired: number[] = [];
    const detached: number[] = [];
    const leases = new PartitionLeases(fakeKv(state), { partitionCount: 1, preferred: [0], ttlMs: 300 }, { attach: async () => undefined, detach: async (p) => void detached.push(p), expired: (p) => expired.push(p) }, pino({ level: 'silent' }));
    await leases.start();
    expect(leases.partitions).toEqual([0]);
    state.cut = true;
    await until(() => expired.length > 0, 3000);
    expect(expired).toEqual([0]);
    // More failed renewals in the same stretch: not told again; still held (fenced), not detached.
    await new Promise((r) => setTimeout(r, 400));
    expect(expired).toEqual([0]);
    expect(leases.holds(0)).toBe(false);
    expect(detached).toEqual([]);
    // Reachable again: renewed; cut off again past the new deadline: told again.
    state.cut = false;
    await until(() => leases.holds(0), 3000);
    expect(leases.holds(0)).toBe(true);
    state.cut = true;
    await until(() => expired.length > 1, 3000);
    expect(expired).toEqual([0, 0]);
    state.cut = false;
    await leases.stop();
  });
});
