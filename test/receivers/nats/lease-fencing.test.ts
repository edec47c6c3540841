import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownCount } from '../../helpers/fleet.ts';
import { gaugeRequest, LeaseTestBed } from '../../helpers/lease-gateways.ts';
import { eventually } from '../../helpers/prometheus-server.ts';

/*
 * A frozen lease holder (SIGSTOP, as a long GC pause or a paused VM would freeze it) must not hand its
 * partition's data to its pipelines once it wakes up after another gateway took the partition over
 * (receivers/nats/leases.ts, `holds`). Real nats-server -js, two real gateways writing every point
 * they take to a log file: a point in two files, or twice in one, was exported by two holders.
 */
const TTL_S = 3;
const PARTITIONS = 4;
const bed = new LeaseTestBed({ bucket: 'FENCE_LEASES', partitions: PARTITIONS, ttlS: TTL_S });
const gateway = (preferred: number[]) => bed.gateway(preferred);
const owners = () => bed.owners();
const outs = bed.outs;

/** Publishes `n` points tagged `<round>-<p>-<i>` to partition p, one message. */
async function publish(round: string, partitions: number[], n: number): Promise<void> {
  const js = bed.nc.jetstream();
  for (const p of partitions) await js.publish(`switchyard.metrics.${p}`, gaugeRequest('fence-test', n, (i) => ({ tag: `${round}-${p}-${i}` })), { msgID: `${round}-${p}` });
}

/** How many times each tag of `round` was written, over every gateway's file, and in `only` alone. */
function seen(round: string, only?: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const out of only ? [only] : outs) {
    if (!existsSync(out)) continue;
    for (const m of readFileSync(out, 'utf8').matchAll(new RegExp(`"(${round}-\\d+-\\d+)"`, 'g'))) counts.set(m[1]!, (counts.get(m[1]!) ?? 0) + 1);
  }
  return counts;
}

const consumerInfo = async (p: number) => (await bed.nc.jetstreamManager()).consumers.info('SWITCHYARD_METRICS', `switchyard-p${p}`);

beforeAll(() => bed.start(), 30_000);
afterAll(() => bed.close());

describe('nats receiver: a frozen lease holder is fenced', () => {
  it('does not export, once it wakes up, what was delivered to it while frozen and is now another gateway\'s partition', async () => {
    const a = await gateway([0, 1]);
    const b = await gateway([2, 3]);
    await eventually(async () => (JSON.stringify(await owners()) === JSON.stringify([a.child.pid, a.child.pid, b.child.pid, b.child.pid]) ? true : undefined), 20_000, 'partitions 2 and 3 held by the second gateway');
    await publish('warm', [0, 1, 2, 3], 5);
    await eventually(async () => (seen('warm').size === 20 ? true : undefined), 15_000, 'the warm-up round consumed');
    const bOut = outs[1]!;

    // Frozen with its pull requests open: the next messages of 2 and 3 are delivered to it, unread.
    b.child.kill('SIGSTOP');
    const frozenAt = Date.now();
    await publish('frozen', [2, 3], 10);
    await eventually(async () => ((await consumerInfo(2)).num_ack_pending + (await consumerInfo(3)).num_ack_pending > 0 ? true : undefined), 10_000, 'a message delivered to the frozen gateway');
    // Its leases expire; the other takes 2 and 3 over and, after ack_wait, gets those messages again.
    await eventually(async () => ((await owners()).every((o) => o === a.child.pid) ? true : undefined), TTL_S * 4000, 'the other gateway holding every partition');
    await eventually(async () => (seen('frozen').size === 20 ? true : undefined), 15_000, 'the frozen round consumed by the new owner');
    const frozenMs = Date.now() - frozenAt;

    b.child.kill('SIGCONT');
    // Awake: it reads what was delivered to it while frozen. Time enough to handle it, renew, and take its partitions back.
    await eventually(async () => (JSON.stringify(await owners()) === JSON.stringify([a.child.pid, a.child.pid, b.child.pid, b.child.pid]) ? true : undefined), 20_000, 'the woken gateway taking its preferred partitions back');
    await new Promise((r) => setTimeout(r, 2500));
    process.stderr.write(`fencing: frozen ${(frozenMs / (TTL_S * 1000)).toFixed(2)}× the TTL; ${await ownCount(b, 'switchyard_nats_fenced_messages_total')} message(s) left to the owner on waking\n`);

    // Each point of the frozen round exported once, by the owner, never by the woken gateway.
    const counts = seen('frozen');
    expect(counts.size).toBe(20);
    expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    expect(seen('frozen', bOut).size).toBe(0);
    const fenced = await ownCount(b, 'switchyard_nats_fenced_messages_total', { signal: 'metrics' });
    expect(fenced).toBeGreaterThan(0);
    // A fenced message is no intake: a refused request (reason fenced), one per fenced message.
    expect(await ownCount(b, 'switchyard_receiver_refused_requests_total', { component: 'nats', reason: 'fenced' })).toBe(fenced);

    // And it works again as the owner of 2 and 3: a later round once, there.
    await publish('after', [2, 3], 10);
    await eventually(async () => (seen('after').size === 20 ? true : undefined), 15_000, 'the round after waking consumed');
    await new Promise((r) => setTimeout(r, 2500));
    expect([...seen('after').values()].every((n) => n === 1)).toBe(true);
    expect(seen('after', bOut).size).toBe(20);
  }, 120_000);
});
