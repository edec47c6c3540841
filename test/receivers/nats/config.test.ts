import { describe, expect, it } from 'vitest';
import { natsReceiverConfigSchema, ownedPartitions } from '../../../receivers/nats/config.ts';

const parse = (v: unknown) => natsReceiverConfigSchema.parse(v);

describe('nats receiver partition ownership', () => {
  it('takes explicit partitions as given, sorted and without repeats', () => {
    expect(ownedPartitions(parse({ partitions: [3, 1, 3] }), 'any')).toEqual([1, 3]);
  });

  it('derives every partition p with p mod replicas = ordinal from a StatefulSet hostname', () => {
    const c = parse({ partition_count: 8, partitions_from_ordinal: { replicas: 3 } });
    expect(ownedPartitions(c, 'switchyard-tier2-0')).toEqual([0, 3, 6]);
    expect(ownedPartitions(c, 'switchyard-tier2-2')).toEqual([2, 5]);
  });

  it('refuses a hostname without an ordinal, and an ordinal past the replicas', () => {
    const c = parse({ partitions_from_ordinal: { replicas: 3 } });
    expect(() => ownedPartitions(c, 'laptop')).toThrow(/ordinal/);
    expect(() => ownedPartitions(c, 'tier2-3')).toThrow(/below replicas/);
  });

  it('refuses a partition that does not exist, and both or neither ownership settings', () => {
    expect(natsReceiverConfigSchema.safeParse({ partition_count: 4, partitions: [4] }).success).toBe(false);
    expect(natsReceiverConfigSchema.safeParse({}).success).toBe(false);
    expect(natsReceiverConfigSchema.safeParse({ partitions: [0], partitions_from_ordinal: { replicas: 2 } }).success).toBe(false);
  });
});

describe('nats receiver leases config', () => {
  it('takes leases with or without preferred partitions, with defaults bucket SWITCHYARD_LEASES and ttl 15s', () => {
    const c = parse({ leases: {} });
    expect(c.leases).toEqual({ bucket: 'SWITCHYARD_LEASES', ttl: 15_000 });
    expect(ownedPartitions(c, 'any')).toEqual([]);
    expect(ownedPartitions(parse({ partitions: [2], leases: { ttl: '3s' } }), 'any')).toEqual([2]);
  });

  it('refuses a ttl under a second, and both ownership settings even with leases', () => {
    expect(natsReceiverConfigSchema.safeParse({ leases: { ttl: '500ms' } }).success).toBe(false);
    expect(natsReceiverConfigSchema.safeParse({ partitions: [0], partitions_from_ordinal: { replicas: 2 }, leases: {} }).success).toBe(false);
  });
});
