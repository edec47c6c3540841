import { z } from 'zod';
import type { ConnectorFactory, ExporterFactory, ProcessorFactory, ReceiverFactory } from '../../src/component/component.ts';
import { FactoryRegistry } from '../../src/component/registry.ts';
import type { SignalConsumers } from '../../src/consumer/consumer.ts';
import { endpoint } from '../../src/config/schema-helpers.ts';
import { ConsumerError } from '../../src/consumer/errors.ts';
import type { MetricsBatch } from '../../src/model/metrics.ts';
import type { TracesBatch } from '../../src/model/traces.ts';

/** Test-only components: a receiver the test drives by hand, an exporter that remembers, and so on. */
export const events: string[] = [];

/** Start, shutdown and forgetting origins that only record that they happened, in order. */
function recorded(key: string) {
  return {
    async start() {
      events.push(`start ${key}`);
    },
    async shutdown() {
      events.push(`shutdown ${key}`);
    },
    forgetOrigins(origins: ReadonlySet<string>) {
      events.push(`forget ${key} ${[...origins].join(',')}`);
    },
  };
}

/** Each push receiver's `originsLost`, by receiver key: the test raises it by hand. */
export const lostOrigins = new Map<string, (origins: readonly string[]) => void>();

export const pushReceivers = new Map<string, SignalConsumers>();

/** Starts held by `hold_start: true`, each released by calling it: the test sees the gateway mid-start. */
export const heldStarts: (() => void)[] = [];

export const fakeReceiverFactory: ReceiverFactory<{ endpoint: string; fail_start: boolean; hold_start: boolean; off: boolean }> = {
  kind: 'receiver',
  type: 'push',
  signals: ['metrics', 'traces'],
  configSchema: z.object({ endpoint: endpoint('127.0.0.1:0'), fail_start: z.boolean().default(false), hold_start: z.boolean().default(false), off: z.boolean().default(false) }).strict().default({}),
  endpoints: (c) => [{ path: ['endpoint'], endpoint: c.endpoint }],
  disabledReason: (c) => (c.off ? 'it has nothing to receive' : undefined),
  create(settings, config, next) {
    const key = settings.id.toString();
    if (settings.originsLost) lostOrigins.set(key, settings.originsLost);
    return {
      async start() {
        if (config.hold_start) await new Promise<void>((release) => heldStarts.push(release));
        if (config.fail_start) throw new Error(`${key} cannot start`);
        events.push(`start ${key}`);
        pushReceivers.set(key, next);
      },
      async shutdown() {
        events.push(`shutdown ${key}`);
        pushReceivers.delete(key);
      },
    };
  },
};

export const received = new Map<string, (MetricsBatch | TracesBatch)[]>();

export const memoryExporterFactory: ExporterFactory<{ delay_ms: number; off: boolean; full: boolean }> = {
  kind: 'exporter',
  type: 'memory',
  signals: ['metrics', 'traces'],
  /** `full`: refuses every batch as a full queue does (retryable, come back in 1 s). */
  configSchema: z.object({ delay_ms: z.number().default(0), off: z.boolean().default(false), full: z.boolean().default(false) }).strict().default({}),
  disabledReason: (c) => (c.off ? 'it is switched off' : undefined),
  create(settings, config) {
    const key = settings.id.toString();
    const store = (b: MetricsBatch | TracesBatch) => {
      const list = received.get(key) ?? [];
      list.push(b);
      received.set(key, list);
    };
    return {
      ...recorded(key),
      async consumeMetrics(batch) {
        if (config.full) throw ConsumerError.retryable(`${key}: the sending queue is full`, { retryAfterMs: 1000 });
        if (config.delay_ms) await new Promise((r) => setTimeout(r, config.delay_ms));
        store(batch);
      },
      async consumeTraces(batch) {
        store(batch);
      },
    };
  },
};

/** Adds a fixed label to every data point, building new objects (stages never mutate their input). */
export const labelProcessorFactory: ProcessorFactory<{ key: string; value: string }> = {
  kind: 'processor',
  type: 'label',
  configSchema: z.object({ key: z.string(), value: z.string() }).strict(),
  createMetrics(settings, config, next) {
    const key = settings.id.toString();
    return {
      ...recorded(key),
      consumeMetrics: (batch) =>
        next.consumeMetrics({
          resourceMetrics: batch.resourceMetrics.map((rm) => ({
            ...rm,
            scopeMetrics: rm.scopeMetrics.map((sm) => ({
              ...sm,
              metrics: sm.metrics.map((m) => ({
                ...m,
                points: m.points.map((p) => ({ ...p, attributes: { ...p.attributes, [config.key]: config.value } })),
              })) as MetricsBatch['resourceMetrics'][number]['scopeMetrics'][number]['metrics'],
            })),
          })),
        }),
    };
  },
};

/** Turns every span into one gauge point named after the span. */
export const spanCountConnectorFactory: ConnectorFactory<Record<string, never>> = {
  kind: 'connector',
  type: 'spancount',
  pairs: [['traces', 'metrics']],
  configSchema: z.object({}).strict().default({}),
  create(settings, _config, next) {
    const key = settings.id.toString();
    return {
      ...recorded(key),
      consumeTraces: (batch) =>
        next.metrics!.consumeMetrics({
          resourceMetrics: batch.resourceSpans.map((rs) => ({
            resource: rs.resource,
            schemaUrl: '',
            scopeMetrics: [
              {
                scope: { name: 'spancount', version: '', attributes: {} },
                schemaUrl: '',
                metrics: rs.scopeSpans.flatMap((ss) =>
                  ss.spans.map((s) => ({
                    type: 'gauge' as const,
                    name: s.name,
                    description: '',
                    unit: '',
                    points: [{ attributes: {}, startTimeUnixNano: 0, timeUnixNano: s.endTimeUnixNano, flags: 0, value: 1 }],
                  })),
                ),
              },
            ],
          })),
        }),
    };
  },
};

export function fakeRegistry(): FactoryRegistry {
  return new FactoryRegistry([fakeReceiverFactory, memoryExporterFactory, labelProcessorFactory, spanCountConnectorFactory]);
}

export function resetFakes(): void {
  events.length = 0;
  heldStarts.length = 0;
  received.clear();
  pushReceivers.clear();
  lostOrigins.clear();
}
