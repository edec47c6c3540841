import { z } from 'zod';
import { duration } from '../../src/config/schema-helpers.ts';
import { checkSignalStreams, natsStreamSchema } from '../../src/nats/stream-config.ts';

export const natsReceiverConfigSchema = z
  .object({
    ...natsStreamSchema,
    /** The partitions this gateway consumes, explicitly… */
    partitions: z.array(z.number().int().min(0)).min(1).optional(),
    /**
     * …or derived from a StatefulSet: the ordinal is the number ending the hostname (`tier2-3` → 3) and
     * the gateway owns every partition p with p mod replicas = ordinal.
     */
    partitions_from_ordinal: z
      .object({ replicas: z.number().int().min(1), hostname: z.string().min(1).optional() })
      .strict()
      .optional(),
    /**
     * Ownership by leases in a JetStream KV bucket (receivers/nats/leases.ts): `partitions` or the ordinal's
     * share become the partitions claimed first, and a lost instance's partitions are taken over by the
     * others once its leases expire: within 7/6 × `ttl` of its death (expiry, then the next look). A
     * frozen holder is fenced past `ttl` after its last renewal (receivers/nats/leases.ts). Without it,
     * ownership is only what the config says.
     */
    leases: z
      .object({
        bucket: z.string().regex(/^[A-Za-z0-9_-]+$/, 'a bucket name is letters, digits, "_" and "-"').default('SWITCHYARD_LEASES'),
        /** A lease not renewed this long expires; renewed every ttl/3, free partitions looked for every ttl/6. */
        ttl: duration('15s'),
      })
      .strict()
      .optional(),
    /** Durable consumer `<durable_prefix>-p<partition>` on each signal's stream: whoever owns a partition resumes where it was acknowledged. */
    durable_prefix: z.string().regex(/^[A-Za-z0-9_-]+$/).default('switchyard'),
    /** A message not acknowledged within this is redelivered. */
    ack_wait: duration('30s'),
    /** Unacknowledged messages per partition; 1 keeps each series' points in order. */
    max_ack_pending: z.number().int().min(1).default(1),
  })
  .strict()
  .superRefine((c, ctx) => {
    checkSignalStreams(c, ctx);
    const ownership = (c.partitions ? 1 : 0) + (c.partitions_from_ordinal ? 1 : 0);
    if (ownership > 1 || (ownership === 0 && !c.leases)) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'set exactly one of partitions and partitions_from_ordinal (with leases, at most one)' });
    if (c.leases && c.leases.ttl < 1000) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['leases', 'ttl'], message: 'at least 1s: JetStream expires entries about once a second' });
    for (const [i, p] of (c.partitions ?? []).entries()) {
      if (p >= c.partition_count) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['partitions', i], message: `partition ${p} does not exist (partition_count is ${c.partition_count})` });
    }
  });

export type NatsReceiverConfig = z.infer<typeof natsReceiverConfigSchema>;

/** The partitions a config owns; throws when an ordinal is asked for and the hostname has none. */
export function ownedPartitions(c: NatsReceiverConfig, hostname: string): number[] {
  if (!c.partitions && !c.partitions_from_ordinal) return [];
  if (c.partitions) return [...new Set(c.partitions)].sort((a, b) => a - b);
  const { replicas, hostname: configured } = c.partitions_from_ordinal!;
  const name = configured ?? hostname;
  const m = /-(\d+)$/.exec(name);
  if (!m) throw new Error(`partitions_from_ordinal: the hostname "${name}" does not end in a StatefulSet ordinal ("-<n>")`);
  const ordinal = Number(m[1]);
  if (ordinal >= replicas) throw new Error(`partitions_from_ordinal: ordinal ${ordinal} is not below replicas (${replicas})`);
  const out: number[] = [];
  for (let p = ordinal; p < c.partition_count; p += replicas) out.push(p);
  return out;
}
