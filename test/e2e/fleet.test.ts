import type { ExportResult } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionOf } from '../../src/routing/index.ts';
import { FLEET_SERVICES, Fleet, PARTITIONS, ownCount, partitionsOf } from '../helpers/fleet.ts';
import { FREE_PORTS_ENV } from '../helpers/free-ports-env.ts';
import { startGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { startNatsServer, type NatsServer } from '../helpers/nats-server.ts';
import { PROVIDERS, prompterRounds } from '../helpers/prompter-rounds.ts';
import { find, parseExposition } from '../helpers/prom-text.ts';
import { eventually } from '../helpers/prometheus-server.ts';
import { tempFiles } from '../helpers/temp-files.ts';

/*
 * Issue 16's fleet: a real nats-server -js, two tier-1 gateways (otlp → nats exporter, by service) and
 * three tier-2 gateways (nats receiver over 8 partitions → the shipped Prompter pipelines → :8889), as
 * deploy/kubernetes ships them. Services instrumented with the real SDK send each export to their
 * tier-1 gateway and, byte for byte the same data, to one single gateway running config/gateway.yaml:
 * every series lives on exactly one tier-2 gateway, so the union of the three scrape pages must be the
 * single gateway's page.
 */

const SERVICES = FLEET_SERVICES;
const TIER2 = 3;
const LEASE_TTL_S = 3;

/** Sends each export to every target and answers with the first failure, else success. */
class TeeExporter implements PushMetricExporter {
  constructor(private readonly targets: OTLPMetricExporter[]) {}
  export(metrics: ResourceMetrics, done: (result: ExportResult) => void): void {
    void Promise.all(this.targets.map((t) => new Promise<ExportResult>((r) => t.export(metrics, r)))).then((rs) => done(rs.find((r) => r.code !== 0) ?? rs[0]!));
  }
  async forceFlush(): Promise<void> {
    await Promise.all(this.targets.map((t) => t.forceFlush()));
  }
  async shutdown(): Promise<void> {
    await Promise.all(this.targets.map((t) => t.shutdown()));
  }
}

/** A Prompter-like service on the SDK (test/helpers/prompter-rounds.ts), exporting each round to every one of `urls`. */
function sdkService(name: string, salt: number, urls: string[]) {
  const exporter = new TeeExporter(urls.map((u) => new OTLPMetricExporter({ url: `http://${u}/v1/metrics` })));
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': name, 'deployment.environment.name': 'e2e' }), readers: [reader] });
  const rounds = prompterRounds(provider.getMeter('prompter', '7.0.0'), salt);
  return {
    attempted: rounds.attempted,
    async round(round: number): Promise<void> {
      rounds.record(round);
      await reader.forceFlush();
    },
    shutdown: () => provider.shutdown(),
  };
}

/** Once more on a socket the server closed as it was reused (keep-alive race: "other side closed"), as ownCount does. */
const page = (g: GatewayProcess) => {
  const url = `http://${g.endpoints.prometheus}/metrics`;
  return fetch(url).then(
    (r) => r.text(),
    () => fetch(url).then((r) => r.text()),
  );
};
/** A page's lines without the host pipeline's series (node_*, and its resource's target_info): each gateway's own host, live. */
const own = (text: string) => text.split('\n').filter((l) => l && !/^(# (HELP|TYPE) )?node_/.test(l) && !l.startsWith('target_info{host_name='));

/** The union of the tier-2 pages: every sample once (asserted: a series on two gateways fails), HELP and TYPE once per family. */
function union(pages: string[]): string[] {
  const samples = pages.flatMap((p) => own(p).filter((l) => !l.startsWith('#')));
  const series = samples.map((l) => l.slice(0, l.lastIndexOf(' ')));
  expect(series.filter((s, i) => series.indexOf(s) !== i), 'series served by more than one tier-2 gateway').toEqual([]);
  const meta = new Set(pages.flatMap((p) => own(p).filter((l) => l.startsWith('#'))));
  return [...samples, ...meta].sort();
}

let nats: NatsServer;
let fleet: Fleet;
let single: GatewayProcess;
const singleFiles = tempFiles({});
let tier1: GatewayProcess[] = [];
const tier2: GatewayProcess[] = [];
let services: ReturnType<typeof sdkService>[] = [];

async function round(n: number): Promise<void> {
  await Promise.all(services.map((s) => s.round(n)));
  // Each round its own JetStream messages: the single gateway, too, sees one export per request.
  await fleet.drainedTier1(tier1);
}

/**
 * Waits for the fleet to drain, then compares the union of the tier-2 pages with the single gateway's.
 * `relative`: the tolerance on values (0: bit for bit). The series and label sets are always exact.
 */
async function compare(relative = 0): Promise<string[]> {
  await fleet.drained(tier1);
  const [one, ...pages] = await Promise.all([page(single), ...tier2.map(page)]);
  const merged = union(pages);
  const expected = own(one!).sort();
  if (relative === 0) {
    expect(merged).toEqual(expected);
    return merged;
  }
  const split = (l: string) => [l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))] as const;
  expect(merged.map((l) => (l.startsWith('#') ? l : split(l)[0]))).toEqual(expected.map((l) => (l.startsWith('#') ? l : split(l)[0])));
  const off = merged.filter((l, i) => {
    if (l.startsWith('#') || l === expected[i]) return false;
    const [a, b] = [split(l)[1], split(expected[i]!)[1]];
    expect(Math.abs(a - b), `${l} against ${expected[i]}`).toBeLessThanOrEqual(relative * Math.max(Math.abs(a), Math.abs(b)));
    return true;
  });
  process.stderr.write(`fleet takeover: ${off.length} of ${merged.length} lines equal within ${relative} rather than bit for bit\n`);
  return merged;
}

beforeAll(async () => {
  nats = await startNatsServer();
  fleet = new Fleet(nats.url);
  const env = { ...FREE_PORTS_ENV, SWITCHYARD_LOG_PATH: 'stderr', PROMETHEUS_REMOTE_WRITE_URL: '', SWITCHYARD_QUEUE_DIR: singleFiles.path('queue') };
  // Tier 2 first: its durable consumers exist before anything is published.
  const started = await Promise.all([startGateway('config/gateway.yaml', env, 40_000), ...Array.from({ length: TIER2 }, (_, i) => fleet.tier2(partitionsOf(i, TIER2))), fleet.tier1(), fleet.tier1()]);
  single = started[0]!;
  tier2.push(...started.slice(1, 1 + TIER2));
  tier1 = started.slice(1 + TIER2);
  services = SERVICES.map((s, i) => sdkService(s, i, [tier1[i % 2]!.endpoints['otlp.http']!, single.endpoints['otlp.http']!]));
}, 90_000);

afterAll(async () => {
  await Promise.all(services.map((s) => s.shutdown()));
  await fleet?.stop();
  await single?.stop();
  await nats?.close();
  singleFiles.cleanup();
});

describe('a two-tier fleet over JetStream, on the shipped pipelines', () => {
  it('spreads the services over all three tier-2 gateways and both tier-1 gateways (the precondition)', () => {
    const owners = SERVICES.map((s) => partitionOf(s, PARTITIONS) % TIER2);
    expect(new Set(owners)).toEqual(new Set([0, 1, 2]));
  });

  it('serves, merged over the tier-2 gateways, exactly the single gateway’s page: counts, capped series, ratios', async () => {
    await round(1);
    await round(2);
    const merged = parseExposition((await compare()).join('\n'));
    // What is compared is not empty: caps and ratios are there for every service.
    for (const service of SERVICES) {
      expect(find(merged, 'celery_task_retries_total', { service })).toHaveLength(101);
      expect(find(merged, 'celery_task_retries_total', { service, otel_metric_overflow: 'true' })).toHaveLength(1);
      expect(find(merged, 'prompter_probe_failure_ratio', { service })).toHaveLength(PROVIDERS.length);
      expect(find(merged, 'starlette_requests_error_ratio', { service })).toHaveLength(1);
    }
    // Each tier-2 gateway serves only its own services.
    for (const [i, g] of tier2.entries()) {
      const served = new Set(find(parseExposition(await page(g)), 'prompter_probe_attempts_total').map((s) => s.labels.service));
      expect([...served].sort()).toEqual(SERVICES.filter((s) => partitionOf(s, PARTITIONS) % TIER2 === i).sort());
    }
  }, 60_000);

  it('loses and double-counts nothing when a tier-2 gateway is killed mid-run and a replacement takes its partitions', async () => {
    const victim = tier2[0]!;
    const before = await ownCount(victim, 'switchyard_receiver_accepted_points_total', { component: 'nats' });
    await round(3);
    await fleet.consumedBy(victim, before);
    // Frozen, it still holds pull requests: round 4 is delivered to it and never acknowledged. Then killed.
    victim.child.kill('SIGSTOP');
    await round(4);
    const victims = partitionsOf(0, TIER2);
    await eventually(async () => ((await fleet.consumers()).some((c) => victims.includes(c.partition) && c.ackPending > 0) ? true : undefined), 10_000, 'a message delivered to the frozen gateway');
    victim.child.kill('SIGKILL');
    await new Promise((r) => victim.child.once('exit', r));
    // Published while its partitions have no owner: JetStream keeps them.
    await round(5);
    const replacement = await fleet.tier2(victims);
    tier2[0] = replacement;
    await round(6);
    // The replacement rebuilds each overflow series' sum from the services' totals, the single gateway
    // from six rounds of increases: the same number, summed in another order (last bits of a double).
    const merged = parseExposition((await compare(1e-12)).join('\n'));
    // Counted: every tier-1 gateway accepted what the single gateway accepted and published all of it ...
    const accepted = async (gs: GatewayProcess[]) => (await Promise.all(gs.map((g) => ownCount(g, 'switchyard_receiver_accepted_points_total', { component: 'otlp', signal: 'metrics' })))).reduce((a, b) => a + b, 0);
    expect(await accepted(tier1)).toBe(await accepted([single]));
    // ... every message of every partition was acknowledged after a tier-2 pipeline took it ...
    const [consumers, last] = await Promise.all([fleet.consumers(), fleet.lastSequences()]);
    for (const c of consumers) expect(c.ackFloor, `partition ${c.partition}`).toBe(last[c.partition]);
    expect(await ownCount(replacement, 'switchyard_receiver_accepted_points_total', { component: 'nats' })).toBeGreaterThan(0);
    // ... and each counter is what the services counted, once.
    for (const [i, s] of services.entries()) {
      for (const [provider, n] of s.attempted) expect(find(merged, 'prompter_probe_attempts_total', { service: SERVICES[i]!, provider })[0]?.value, `${SERVICES[i]} ${provider}`).toBe(n);
    }
    // The message the killed gateway held went to the replacement (counted once: the victim's state died with it).
    const redelivered = consumers.filter((c) => victims.includes(c.partition)).reduce((a, c) => a + c.deliveries - c.messages, 0);
    expect(redelivered).toBeGreaterThan(0);
    for (const c of consumers) if (!victims.includes(c.partition)) expect(c.deliveries, `partition ${c.partition}`).toBe(c.messages);
  }, 80_000);

  it('hands partitions over by lease while traffic flows: a tier-2 gateway SIGKILLed mid-run, the others take its partitions, nothing lost or counted twice', async () => {
    // Tier 2 now holds its partitions by lease (3 s TTL), each gateway preferring its ordinal's share;
    // they resume from the same durable consumers, so their pages catch up at the next round.
    await Promise.all(tier2.map((g) => g.stop()));
    tier2.splice(0, tier2.length, ...(await Promise.all(Array.from({ length: TIER2 }, (_, i) => fleet.tier2(partitionsOf(i, TIER2), LEASE_TTL_S)))));
    const pids = tier2.map((g) => g.child.pid);
    await eventually(async () => (JSON.stringify(await fleet.leaseHolders()) === JSON.stringify(Array.from({ length: PARTITIONS }, (_, p) => pids[p % TIER2])) ? true : undefined), 20_000, 'each leased tier-2 gateway holding its ordinal\'s partitions');
    await round(7);
    await compare(1e-12);

    // Rounds go on while the victim dies: SIGKILL after the second, the next ones are published to its
    // partitions while nobody holds them, until the survivors' next look after its leases expired.
    const [victim, ...survivors] = tier2;
    const heldBySurvivors = async () => (await fleet.leaseHolders()).every((pid) => survivors.some((g) => g.child.pid === pid));
    let takeover: Promise<number> | undefined;
    for (let n = 8; n <= 13; n++) {
      await round(n);
      if (n === 9) {
        victim!.child.kill('SIGKILL');
        const killedAt = Date.now();
        // Watched beside the rounds, every 200 ms.
        takeover = eventually(async () => ((await heldBySurvivors()) ? Date.now() - killedAt : undefined), LEASE_TTL_S * 4000, 'the survivors holding every partition');
      }
    }
    const heldAgainMs = await takeover!;
    expect(heldAgainMs).toBeLessThanOrEqual(LEASE_TTL_S * 1000 * 2);
    tier2.splice(0, tier2.length, ...survivors);
    const merged = parseExposition((await compare(1e-12)).join('\n'));
    process.stderr.write(`fleet leases: the victim's partitions held again ${(heldAgainMs / (LEASE_TTL_S * 1000)).toFixed(2)}× the TTL after the SIGKILL (polled every 200 ms while rounds were sent)\n`);
    // Nothing lost: every message of every partition acknowledged after a pipeline took it ...
    const [consumers, last] = await Promise.all([fleet.consumers(), fleet.lastSequences()]);
    for (const c of consumers) expect(c.ackFloor, `partition ${c.partition}`).toBe(last[c.partition]);
    // ... the survivors consumed the victim's partitions ...
    const victims = partitionsOf(0, TIER2);
    for (const p of victims) expect(survivors.map((g) => g.child.pid)).toContain((await fleet.leaseHolders())[p]);
    // ... and nothing counted twice: each counter is what the services counted, once, on one gateway.
    for (const [i, s] of services.entries()) {
      for (const [provider, n] of s.attempted) expect(find(merged, 'prompter_probe_attempts_total', { service: SERVICES[i]!, provider })[0]?.value, `${SERVICES[i]} ${provider}`).toBe(n);
    }
  }, 150_000);
});
