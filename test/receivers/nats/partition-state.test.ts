import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMetricsRequest } from '../../../src/exporterhelper/otlp-metrics-encoder.ts';
import type { GatewayProcess } from '../../helpers/gateway-process.ts';
import { ownCount } from '../../helpers/fleet.ts';
import { LeaseTestBed } from '../../helpers/lease-gateways.ts';
import { eventually } from '../../helpers/prometheus-server.ts';

/*
 * State follows a partition (issue 16): two leased tier-2 gateways with a stateful pipeline (cardinality,
 * then the prometheus exporter) and a reference gateway consuming every partition through consumers of
 * its own. Gateway A, alone, holds all four partitions and serves every series; B joins and A hands
 * partitions 2 and 3 back. From then on A must serve none of their series (they would be served twice,
 * and a merged scrape would double count), B serves them, and A's and B's pages merged equal the
 * reference's page exactly. Run with A on one thread and on two workers (`--workers 2`: the receiver runs
 * in the main thread, the cardinality processor and exporter in the workers, each with its own nats-server).
 */
const TTL_S = 3;
const PARTITIONS = 4;

function config(bed: LeaseTestBed, o: { partitions: number[]; leases: boolean; durable: string }): string {
  return `receivers:
  nats:
    url: "${bed.nats.url}"
    partition_count: ${PARTITIONS}
    partitions: [${o.partitions.join(', ')}]
    durable_prefix: ${o.durable}
    ack_wait: 2s${o.leases ? `\n    leases: { bucket: STATE_LEASES, ttl: ${TTL_S}s }` : ''}
processors:
  cardinality: { max_series_per_metric: 100 }
exporters:
  prometheus: { endpoint: "127.0.0.1:0", metric_expiration: 5m }
service:
  admin: { endpoint: "127.0.0.1:0" }
  pipelines:
    metrics: { receivers: [nats], processors: [cardinality], exporters: [prometheus] }
`;
}

const START_NS = Date.now() * 1e6;

/** Partition p's service `svc-p<p>`: a cumulative counter with two series, at `value` and `value + 1`. */
function counterRequest(p: number, value: number): Uint8Array {
  const points = [0, 1].map((i) => ({ attributes: { route: `/r${i}` }, startTimeUnixNano: START_NS, timeUnixNano: Date.now() * 1e6, flags: 0, value: value + i }));
  return encodeMetricsRequest({
    resourceMetrics: [
      {
        resource: { attributes: { 'service.name': `svc-p${p}` } },
        schemaUrl: '',
        scopeMetrics: [{ scope: { name: '', version: '', attributes: {} }, schemaUrl: '', metrics: [{ type: 'sum', temporality: 'cumulative', monotonic: true, name: 'requests', description: '', unit: '', points }] }],
      },
    ],
  });
}

async function publishRound(bed: LeaseTestBed, round: number, value: number): Promise<void> {
  const js = bed.nc.jetstream();
  for (let p = 0; p < PARTITIONS; p++) await js.publish(`switchyard.metrics.${p}`, counterRequest(p, value), { msgID: `round-${round}-${p}` });
}

/** A gateway's scrape page as sample lines (`name{labels} value`), sorted. */
async function samples(g: GatewayProcess): Promise<string[]> {
  const text = await fetch(`http://${g.endpoints.prometheus}/metrics`).then((r) => r.text());
  return text.split('\n').filter((l) => l && !l.startsWith('#')).sort();
}

const servicesOf = (lines: string[]) => [...new Set(lines.map((l) => /service="([^"]+)"/.exec(l)?.[1] ?? /job="([^"]+)"/.exec(l)?.[1]).filter(Boolean))].sort();
const accepted = (g: GatewayProcess) => ownCount(g, 'switchyard_receiver_accepted_points_total', { component: 'nats' });

describe.each(['1', '2'])('nats receiver: the state of a lost partition leaves the gateway (old holder with --workers %s)', (workers) => {
  const bed = new LeaseTestBed({ bucket: 'STATE_LEASES', partitions: PARTITIONS, ttlS: TTL_S });
  beforeAll(() => bed.start(), 30_000);
  afterAll(() => bed.close());

  it('after a handover the old holder serves none of the moved partitions\' series, and the merged pages equal the reference', async () => {
    const reference = await bed.gatewayOf('reference', config(bed, { partitions: [0, 1, 2, 3], leases: false, durable: 'reference' }));
    const a = await bed.gatewayOf('a', config(bed, { partitions: [0, 1], leases: true, durable: 'switchyard' }), ['--workers', workers]);
    await eventually(async () => ((await bed.owners()).every((o) => o === a.child.pid) ? true : undefined), 15_000, 'A holding every partition');

    await publishRound(bed, 1, 10);
    await eventually(async () => ((await accepted(a)) === 8 && (await accepted(reference)) === 8 ? true : undefined), 15_000, 'round 1 consumed');
    const jobs = ['svc-p0', 'svc-p1', 'svc-p2', 'svc-p3'];
    expect(servicesOf(await samples(a))).toEqual(jobs);

    const b = await bed.gatewayOf('b', config(bed, { partitions: [2, 3], leases: true, durable: 'switchyard' }));
    await eventually(async () => (JSON.stringify(await bed.owners()) === JSON.stringify([a.child.pid, a.child.pid, b.child.pid, b.child.pid]) ? true : undefined), 15_000, 'partitions 2 and 3 handed to B');
    // A gave them back: their series leave its page (before this change they stayed until metric_expiration).
    await eventually(async () => (JSON.stringify(servicesOf(await samples(a))) === JSON.stringify(['svc-p0', 'svc-p1']) ? true : undefined), 10_000, 'A no longer serving partitions 2 and 3');

    await publishRound(bed, 2, 25);
    await eventually(async () => ((await accepted(reference)) === 16 && (await accepted(a)) === 12 && (await accepted(b)) === 4 ? true : undefined), 15_000, 'round 2 consumed by its holders');
    const [pageA, pageB, pageRef] = await Promise.all([samples(a), samples(b), samples(reference)]);
    expect(servicesOf(pageA)).toEqual(['svc-p0', 'svc-p1']);
    expect(servicesOf(pageB)).toEqual(['svc-p2', 'svc-p3']);
    // No series on both, and together exactly the reference's: every counter at the services' value, once.
    const keys = (lines: string[]) => lines.map((l) => l.slice(0, l.lastIndexOf(' ')));
    expect(keys(pageA).filter((k) => keys(pageB).includes(k))).toEqual([]);
    expect([...pageA, ...pageB].sort()).toEqual(pageRef);
    expect(pageRef.filter((l) => l.startsWith('requests_total{'))).toHaveLength(8);
    expect(pageRef.filter((l) => l.startsWith('requests_total{') && / 2[56]$/.test(l))).toHaveLength(8);
  }, 90_000);
});
