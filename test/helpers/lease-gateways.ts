import type { KV } from 'nats';

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
