import { writeFileSync } from 'node:fs';
import { connect, type KV, type NatsConnection } from 'nats';
import { encodeMetricsRequest } from '../../src/exporterhelper/otlp-metrics-encoder.ts';
import type { AttributeValue } from '../../src/model/common.ts';
import { startGateway, type GatewayProcess } from './gateway-process.ts';
import { startNatsServer, type NatsServer } from './nats-server.ts';
import { tempFiles } from './temp-files.ts';

/**
 * A tier-2 gateway for the lease tests: a nats receiver holding partitions by lease (preferring
 * `preferred`), every point it takes written as a JSON line to `out` by the log exporter.
 */
export function leasedLogGateway(o: { url: string; partitionCount: number; preferred: number[]; bucket: string; ttlS: number; out: string }): string {
  return `receivers:
  nats:
    url: "${o.url}"
    partition_count: ${o.partitionCount}
    partitions: [${o.preferred.join(', ')}]
    leases: { bucket: ${o.bucket}, ttl: ${o.ttlS}s }
    ack_wait: 2s
exporters:
  log: { path: "${o.out}" }
service:
  admin: { endpoint: "127.0.0.1:0" }
  pipelines:
    metrics: { receivers: [nats], exporters: [log] }
`;
}

/** Which gateway (by pid, from the owner ID `<host>-<pid>-<hex>`) holds each partition's lease; undefined for a free one. */
export async function leaseOwners(kv: KV, partitions: number): Promise<(number | undefined)[]> {
  return Promise.all(
    Array.from({ length: partitions }, async (_, p) => {
      const e = await kv.get(`p.${p}`);
      return e && e.operation === 'PUT' ? Number(/-(\d+)-[0-9a-f]+$/.exec(e.string())?.[1]) : undefined;
    }),
  );
}

/**
 * What the lease tests stand on: a real nats-server -js, a client connection to it, and leased tier-2
 * gateways (`leasedLogGateway`) sharing one bucket, each logging the points it takes to its own file.
 */
export class LeaseTestBed {
  nats!: NatsServer;
  nc!: NatsConnection;
  readonly gateways: GatewayProcess[] = [];
  /** Each gateway's log file, in the order they started. */
  readonly outs: string[] = [];
  private readonly files = tempFiles({});
  private kv: KV | undefined;

  constructor(private readonly o: { bucket: string; partitions: number; ttlS: number }) {}

  async start(): Promise<void> {
    this.nats = await startNatsServer();
    this.nc = await connect({ servers: this.nats.url });
  }

  async gateway(preferred: number[]): Promise<GatewayProcess> {
    const name = preferred.join('');
    const out = this.files.path(`out-${name}.jsonl`);
    this.outs.push(out);
    return this.gatewayOf(`tier2-${name}`, leasedLogGateway({ url: this.nats.url, partitionCount: this.o.partitions, preferred, bucket: this.o.bucket, ttlS: this.o.ttlS, out }));
  }

  /** A gateway running `config` (its file named `name`, started with `args`), stopped with the others. */
  async gatewayOf(name: string, config: string, args: string[] = []): Promise<GatewayProcess> {
    writeFileSync(this.files.path(`${name}.yaml`), config);
    const g = await startGateway(this.files.path(`${name}.yaml`), {}, 40_000, args);
    this.gateways.push(g);
    return g;
  }

  /** Each partition's holder (see `leaseOwners`). Opened at the first call: a gateway creates the bucket with its TTL. */
  async owners(): Promise<(number | undefined)[]> {
    this.kv ??= await this.nc.jetstream().views.kv(this.o.bucket);
    return leaseOwners(this.kv, this.o.partitions);
  }

  /** Stops every gateway (waking a frozen one first), the connection and the server. */
  async close(): Promise<void> {
    for (const g of this.gateways) g.child.kill('SIGCONT');
    await Promise.all(this.gateways.map((g) => g.stop()));
    await this.nc?.close();
    await this.nats?.close();
    this.files.cleanup();
  }
}

/** One OTLP metrics request of a gauge `g` with `n` points, point i carrying `attributesOf(i)`. */
export function gaugeRequest(service: string, n: number, attributesOf: (i: number) => Record<string, AttributeValue>): Uint8Array {
  return encodeMetricsRequest({
    resourceMetrics: [
      {
        resource: { attributes: { 'service.name': service } },
        schemaUrl: '',
        scopeMetrics: [{ scope: { name: '', version: '', attributes: {} }, schemaUrl: '', metrics: [{ type: 'gauge', name: 'g', description: '', unit: '', points: Array.from({ length: n }, (_, i) => ({ attributes: attributesOf(i), startTimeUnixNano: 0, timeUnixNano: Date.now() * 1e6, flags: 0, value: i })) }] }],
      },
    ],
  });
}
