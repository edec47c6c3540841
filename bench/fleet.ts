/**
 * Fleet throughput: the JetStream layout of deploy/kubernetes on this machine. A real nats-server -js,
 * two tier-1 gateways (otlp → nats, by service) and 1, 2 or 3 tier-2 gateways (nats, 8 partitions →
 * the shipped pipelines), every one its own process. Clients post Prompter-shaped requests of 8
 * services to both tier-1 gateways for SECONDS; the figure is points per second from the first post
 * until every partition's messages are acknowledged by tier 2. All the processes (clients, NATS, five
 * gateways) share this machine's cores, so tier 2 gains only what the cores left to it allow.
 * Best of two runs per count.
 */
import { Agent } from 'node:http';
import { availableParallelism } from 'node:os';
import { FLEET_SERVICES, Fleet, partitionsOf } from '../test/helpers/fleet.ts';
import { startNatsServer } from '../test/helpers/nats-server.ts';
import type { Row } from './decode.ts';
import { post } from './gateway.ts';
import { prompterRequest } from './prompter-request.ts';

const SECONDS = 8;

/** Points/s through the fleet with `replicas` tier-2 gateways. */
async function measure(replicas: number, bodies: { proto: Uint8Array; points: number }[]): Promise<number> {
  const nats = await startNatsServer();
  const fleet = new Fleet(nats.url);
  const agent = new Agent({ keepAlive: true, maxSockets: bodies.length });
  try {
    const gateways = await Promise.all([fleet.tier1(), fleet.tier1(), ...Array.from({ length: replicas }, (_, i) => fleet.tier2(partitionsOf(i, replicas)))]);
    const tier1 = gateways.slice(0, 2);
    const urls = tier1.map((g) => new URL(`http://${g.endpoints['otlp.http']}/v1/metrics`));
    let points = 0;
    const start = performance.now();
    const end = start + SECONDS * 1000;
    await Promise.all(
      bodies.map(async (b, i) => {
        while (performance.now() < end) {
          // A refusal (tier 1's queue full) is backpressure: the point is not counted, the client goes on.
          if ((await post(urls[i % 2]!, b.proto, agent)) === 200) points += b.points;
        }
      }),
    );
    await fleet.drained(tier1, 120_000);
    return points / ((performance.now() - start) / 1000);
  } finally {
    agent.destroy();
    await fleet.stop();
    await nats.close();
  }
}

export async function benchFleet(): Promise<Row[]> {
  const bodies = await Promise.all(FLEET_SERVICES.map((s) => prompterRequest(s)));
  // Best of two, interleaved (1 2 3 1 2 3), so a burst of load from elsewhere hits no count alone.
  const figures = [0, 0, 0];
  for (let run = 0; run < 2; run++) for (const replicas of [1, 2, 3]) figures[replicas - 1] = Math.max(figures[replicas - 1]!, await measure(replicas, bodies));
  const [one, two, three] = figures as [number, number, number];
  const cores = availableParallelism();
  return [1, 2, 3].map((replicas, i) => ({
    key: `fleet_tier2_${replicas}`,
    name: `JetStream fleet, 2 tier-1 + ${replicas} tier-2 gateway${replicas > 1 ? 's' : ''} (shipped pipelines, 8 partitions, ${FLEET_SERVICES.length} services), posted until acknowledged by tier 2`,
    value: Math.round(figures[i]!),
    unit: 'points/s',
    note: replicas === 1 ? `baseline; every process (clients, nats-server, all gateways) shares ${cores} cores` : `${(figures[i]! / one).toFixed(2)}× 1 tier-2 gateway${replicas === 3 ? ` (${(three / two).toFixed(2)}× 2)` : ''}; ${cores} cores shared by every process`,
  }));
}
