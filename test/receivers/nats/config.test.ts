import { describe, expect, it } from 'vitest';
import { natsReceiverConfigSchema, ownedPartitions } from '../../../receivers/nats/config.ts';
import { builtinRegistry } from '../../../src/components.ts';
import { formatIssue } from '../../../src/config/errors.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { checkConfig } from '../../../src/config/resolve.ts';
import { tempFiles } from '../../helpers/temp-files.ts';

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

describe('nats config written before the per-signal blocks', () => {
  const old = `receivers:
  nats:
    url: nats://127.0.0.1:4222
    stream: SWITCHYARD_METRICS
    subject_prefix: switchyard.metrics
    partitions: [0]
exporters:
  nats:
    url: nats://127.0.0.1:4222
    subject_prefix: switchyard.metrics
service:
  admin: { endpoint: "127.0.0.1:0" }
  pipelines:
    metrics: { receivers: [nats], exporters: [nats] }
`;

  it('is refused by validate at each moved key\'s file:line, saying where it goes now', () => {
    const t = tempFiles({ 'gateway.yaml': old });
    try {
      const issues = checkConfig(loadConfig(t.path('gateway.yaml'), {}), builtinRegistry()).issues.map((i) => formatIssue(i).replace(t.dir, ''));
      expect(issues).toEqual([
        '/gateway.yaml:4:5: receivers.nats.stream: "stream" moved into a block per signal: metrics: { stream: … } (and traces:, logs:)',
        '/gateway.yaml:5:5: receivers.nats.subject_prefix: "subject_prefix" moved into a block per signal: metrics: { subject_prefix: … } (and traces:, logs:)',
        '/gateway.yaml:10:5: exporters.nats.subject_prefix: "subject_prefix" moved into a block per signal: metrics: { subject_prefix: … } (and traces:, logs:)',
      ]);
      // Rewritten as the message says, it is valid.
      const rewritten = old.replace('    stream: SWITCHYARD_METRICS\n    subject_prefix: switchyard.metrics\n', '    metrics: { stream: SWITCHYARD_METRICS, subject_prefix: switchyard.metrics }\n').replace('    subject_prefix: switchyard.metrics\n', '    metrics: { subject_prefix: switchyard.metrics }\n');
      const t2 = tempFiles({ 'gateway.yaml': rewritten });
      try {
        expect(checkConfig(loadConfig(t2.path('gateway.yaml'), {}), builtinRegistry()).issues).toEqual([]);
      } finally {
        t2.cleanup();
      }
    } finally {
      t.cleanup();
    }
  });
});
