import { z } from 'zod';
import type { Signal } from '../model/common.ts';
import { SIGNALS } from '../model/common.ts';
import { duration } from '../config/schema-helpers.ts';
import { clientTlsSchema, type ClientTlsConfig } from '../listener/client-tls.ts';

/** Where one signal's batches go: a stream of its own, and partition p on subject `<subject_prefix>.<p>`. */
function signalStream(stream: string, subjectPrefix: string) {
  return z
    .object({
      stream: z.string().regex(/^[A-Za-z0-9_-]+$/, 'a stream name is letters, digits, "_" and "-"').default(stream),
      subject_prefix: z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'dot-separated tokens without wildcards').default(subjectPrefix),
    })
    .strict()
    .default({});
}

/** The keys before per-signal blocks: refused with the line to write instead. */
const moved = (key: string) => z.undefined({ errorMap: () => ({ message: `"${key}" moved into a block per signal: metrics: { ${key}: … } (and traces:, logs:)` }) }).optional();

/**
 * What the `nats` exporter and receiver share: where JetStream is and, per signal, which stream and
 * subjects carry its batches (each signal has its own stream: its own limits, and a decoder per stream).
 */
export const natsStreamSchema = {
  /** NATS server URL(s), comma-separated: nats://nats:4222. */
  url: z.string().min(1).default('nats://127.0.0.1:4222'),
  /** TLS to the NATS server (the Collector's client keys; with cert_file and key_file, for a server with `verify: true`); unset: as the server offers. */
  tls: clientTlsSchema.optional(),
  metrics: signalStream('SWITCHYARD_METRICS', 'switchyard.metrics'),
  traces: signalStream('SWITCHYARD_TRACES', 'switchyard.traces'),
  logs: signalStream('SWITCHYARD_LOGS', 'switchyard.logs'),
  stream: moved('stream'),
  subject_prefix: moved('subject_prefix'),
  /** Number of partitions, every signal alike (fixed: changing it moves series, like `--workers`). */
  partition_count: z.number().int().min(1).max(1024).default(8),
  /** Create a signal's stream (file storage, subjects `<prefix>.>`) when it does not exist. */
  create_stream: z.boolean().default(true),
  /** The streams' duplicate window: a batch resent with the same message ID within it is stored once. */
  duplicate_window: duration('2m'),
};

export interface SignalStreamConfig {
  stream: string;
  subject_prefix: string;
}

export interface NatsStreamConfig {
  url: string;
  tls?: ClientTlsConfig;
  metrics: SignalStreamConfig;
  traces: SignalStreamConfig;
  logs: SignalStreamConfig;
  partition_count: number;
  create_stream: boolean;
  duplicate_window: number;
}

/** Two signals in one stream, or subjects that overlap (`a.>` holds `a.b.1`), would mix batches a decoder cannot tell apart. */
export function checkSignalStreams(c: NatsStreamConfig, ctx: z.RefinementCtx): void {
  const overlaps = (a: string, b: string) => a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);
  SIGNALS.forEach((signal, i) => {
    for (const other of SIGNALS.slice(0, i) as Signal[]) {
      if (c[signal].stream === c[other].stream) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [signal, 'stream'], message: `${signal} and ${other} use the same stream "${c[signal].stream}"; each signal needs its own` });
      if (overlaps(c[signal].subject_prefix, c[other].subject_prefix)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [signal, 'subject_prefix'], message: `${signal}'s subjects overlap ${other}'s ("${c[other].subject_prefix}")` });
    }
  });
}
