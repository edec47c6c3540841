import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type GatewayProcess } from '../../helpers/gateway-process.ts';
import { eventually } from '../../helpers/prometheus-server.ts';
import { downstreamConfig, lbHits, roundRequest, tierOneConfig, totalHits, type Transport } from '../../helpers/loadbalancing-rounds.ts';
import { tempFiles } from '../../helpers/temp-files.ts';

/*
 * Tier 1 (one gateway with the loadbalancing exporter, over OTLP/HTTP and then over OTLP/gRPC) in front of real downstream gateways, each
 * exposing what it received on its Prometheus endpoint. Every round sends a delta of 1 to each of
 * SERIES counter series (roundRequest), so a downstream's exposition counts exactly what reached it.
 */
const SERIES = 300;

interface Downstream {
  port: number;
  gateway: GatewayProcess;
}

/** The same fleet and the same assertions with tier 1 reaching the downstreams over each transport. */
function fleetSuite(transport: Transport): void {
  const t = tempFiles({});
  const downstreams: Downstream[] = [];
  let tierOne: GatewayProcess | undefined;
  let started = 0;

  /** A downstream on `port`, or on a port the kernel picks (0): a port reserved ahead may be taken meanwhile. */
  async function startDownstream(port = 0): Promise<Downstream> {
    const file = t.path(`downstream-${started++}.yaml`);
    writeFileSync(file, downstreamConfig(`{ ${transport}: { endpoint: "127.0.0.1:${port}" } }`));
    const gateway = await startGateway(file);
    return { port: Number(new URL(`http://${gateway.endpoints[`otlp.${transport}`]}`).port), gateway };
  }

  async function startTierOne(ports: number[]): Promise<GatewayProcess> {
    const file = t.path(`tier1-${ports.length}.yaml`);
    writeFileSync(file, tierOneConfig(transport, ports.map((p) => `127.0.0.1:${p}`)));
    return startGateway(file);
  }

  async function send(round: number): Promise<void> {
    const res = await fetch(`http://${tierOne!.endpoints['otlp.http']}/v1/metrics`, { method: 'POST', body: roundRequest(round, SERIES), headers: { 'content-type': 'application/json' } });
    await res.arrayBuffer();
    expect(res.status).toBe(200);
  }

  const counts = (d: Downstream): Promise<Map<string, number>> => lbHits(d.gateway.endpoints.prometheus!);

  async function allCounts(): Promise<Map<string, number>[]> {
    return Promise.all(downstreams.map(counts));
  }

  const total = totalHits;

  /** Waits until the downstreams together hold `expected` counts. */
  function settled(expected: number, timeoutMs = 30_000): Promise<Map<string, number>[]> {
    return eventually(async () => {
      const maps = await allCounts();
      return total(maps) >= expected ? maps : undefined;
    }, timeoutMs, `${expected} counts downstream`);
  }

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) downstreams.push(await startDownstream());
    tierOne = await startTierOne(downstreams.map((d) => d.port));
  }, 90_000);

  afterAll(async () => {
    await tierOne?.stop();
    await Promise.all(downstreams.map((d) => d.gateway?.stop()));
    t.cleanup();
  });

  describe(`loadbalancing exporter in front of real gateways, over OTLP/${transport === 'grpc' ? 'gRPC' : 'HTTP'}`, () => {
    let owners = new Map<string, number>();

    it('sends every series to exactly one of three downstream gateways, spread over all three', async () => {
      await send(1);
      const maps = await settled(SERIES);
      expect(total(maps)).toBe(SERIES);
      for (let i = 0; i < SERIES; i++) {
        const holders = maps.flatMap((m, d) => (m.has(`s${i}`) ? [d] : []));
        expect(holders, `s${i}`).toHaveLength(1);
        owners.set(`s${i}`, holders[0]!);
      }
      for (const m of maps) expect(m.size).toBeGreaterThan(SERIES / 3 / 2);
    }, 60_000);

    it('moves at most 35% of the series, all to the new backend, when a fourth joins', async () => {
      downstreams.push(await startDownstream());
      await tierOne!.stop();
      tierOne = await startTierOne(downstreams.map((d) => d.port));
      await send(2);
      const maps = await settled(2 * SERIES);
      expect(total(maps)).toBe(2 * SERIES);
      let moved = 0;
      const next = new Map<string, number>();
      for (let i = 0; i < SERIES; i++) {
        const key = `s${i}`;
        const before = owners.get(key)!;
        // Unmoved: its old owner counts 2. Moved: its old owner keeps 1, and the new owner has 1.
        if (maps[before]!.get(key) === 2) {
          next.set(key, before);
          continue;
        }
        moved++;
        expect(maps[before]!.get(key), key).toBe(1);
        expect(maps[3]!.get(key), `${key} moved, but not to the new backend`).toBe(1);
        next.set(key, 3);
      }
      expect(moved).toBeGreaterThan(0);
      expect(moved / SERIES).toBeLessThanOrEqual(0.35);
      owners = next;
    }, 90_000);

    it('loses nothing and duplicates nothing while a downstream is down for 10 s', async () => {
      const before = await allCounts();
      const down = downstreams[1]!;
      await down.gateway.stop();
      await send(3);
      await new Promise((r) => setTimeout(r, 10_000));
      down.gateway = (await startDownstream(down.port)).gateway;
      // The restarted gateway starts from zero; the others count on from `before`.
      const delivered = async (): Promise<number> => {
        const now = await allCounts();
        return now.reduce((sum, m, d) => sum + [...m].reduce((s, [k, v]) => s + v - (d === 1 ? 0 : (before[d]!.get(k) ?? 0)), 0), 0);
      };
      await eventually(async () => ((await delivered()) >= SERIES ? true : undefined), 30_000, 'the downed backend catching up');
      // A little longer, so a duplicate resend would have time to show.
      await new Promise((r) => setTimeout(r, 1000));
      expect(await delivered()).toBe(SERIES);
      const restarted = await counts(down);
      expect(restarted.size).toBe([...owners.values()].filter((d) => d === 1).length);
      // Per series, not only in total: each got exactly its one point, at its owner.
      const now = await allCounts();
      for (let i = 0; i < SERIES; i++) {
        const key = `s${i}`;
        const increase = now.map((m, d) => (m.get(key) ?? 0) - (d === 1 ? 0 : (before[d]!.get(key) ?? 0)));
        expect(increase, key).toEqual(now.map((_, d) => (d === owners.get(key) ? 1 : 0)));
      }
    }, 90_000);
  });
}

fleetSuite('http');
fleetSuite('grpc');
