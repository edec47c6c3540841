import { randomUUID } from 'node:crypto';
import type { HrTime } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { Logger } from 'pino';
import { pullReaders, type TelemetryConfig } from '../config/telemetry.ts';
import type { OwnMetrics } from './own-metrics.ts';
import type { WireSpan } from './forwarded-spans.ts';
import type { OwnTraces } from './own-traces.ts';
import { bindPullListener, type PullListener } from './pull-listener.ts';
import { gatewayResource } from './resource.ts';
import type { SelfMetrics } from './self-metrics.ts';

/** A new `service.telemetry` made ready (its new ports bound) but not yet in force. */
export interface TelemetryChange {
  /** Puts it in force: readers and tracer swapped, listeners it no longer needs closed. */
  commit(): Promise<void>;
  /** Leaves the running settings as they are: closes what the change bound. */
  abort(): Promise<void>;
}

/** The parts of a config whose change restarts the metrics readers, and the tracer. */
const metricsPart = (c: TelemetryConfig) => JSON.stringify([c.resource, c.metrics]);
const tracesPart = (c: TelemetryConfig) => JSON.stringify([c.resource, c.traces]);

function metricsOn(c: TelemetryConfig): boolean {
  return c.metrics.level !== 'none' && (c.metrics.readers.length > 0 || pullReaders(c).length > 0);
}

function tracesOn(c: TelemetryConfig): boolean {
  return c.traces.level !== 'none' && c.traces.processors.length > 0;
}

function nowHrTime(): HrTime {
  const ms = Date.now();
  return [Math.floor(ms / 1000), (ms % 1000) * 1e6];
}

/**
 * The gateway's own metrics readers and tracer (`service.telemetry.metrics` and `.traces`) over the
 * process's life, start and reloads alike. A reload goes in two steps so that a refused one changes
 * nothing: `prepare` binds the pull ports the new settings add (a port in use throws, nothing running is
 * touched), `commit` swaps readers and tracer once the new pipelines run. A pull reader whose `host:port`
 * is written the same keeps its listener. The counts live in SelfMetrics, which no reload replaces,
 * and the readers report them from one start time: a pushed or pulled sum carries on across a reload.
 * The SDK loads only when a reader or the tracer is configured.
 *
 * A worker thread's OwnTelemetry (`forwardSpans` given) runs only the tracer, whose spans go to the main
 * thread (`receiveSpans` there); its metrics are the main thread's to report (it asks every worker).
 */
export class OwnTelemetry {
  /** `service.instance.id`: one per process, reloads included. */
  readonly instanceId = randomUUID();
  /** When the counts began, as the SDK writes times (the SDK itself loads only when configured). */
  private readonly startTime: HrTime = nowHrTime();
  private config: TelemetryConfig | undefined;
  private metrics: OwnMetrics | undefined;
  private traces: OwnTraces | undefined;
  private listeners: PullListener[] = [];

  constructor(
    private readonly selfMetrics: SelfMetrics,
    private readonly logger: Logger,
    private readonly forwardSpans?: (spans: WireSpan[]) => void,
  ) {}

  /** Throws ConfigFault (at its path under `service.telemetry`) when a pull reader's port is taken; nothing stays bound then. */
  async start(config: TelemetryConfig): Promise<void> {
    await (await this.prepare(config)).commit();
  }

  /** Binds the pull ports `next` adds; throws ConfigFault as `start`, leaving everything running as it was. */
  async prepare(next: TelemetryConfig): Promise<TelemetryChange> {
    const previous = this.config;
    const metricsChanged = !this.forwardSpans && (previous === undefined || metricsPart(previous) !== metricsPart(next));
    const tracesChanged = previous === undefined || tracesPart(previous) !== tracesPart(next);
    const pulls = metricsChanged ? await this.bindPulls(next) : undefined;
    return {
      commit: async () => {
        this.config = next;
        const resource = gatewayResource(next.resource, this.instanceId);
        if (tracesChanged) await this.swapTraces(next, resource);
        if (pulls) await this.swapMetrics(next, resource, pulls.listeners);
      },
      abort: async () => {
        await Promise.all((pulls?.fresh ?? []).map((l) => l.close()));
      },
    };
  }

  /** A worker thread's finished spans: exported with this process's resource while the tracer is on, else dropped. */
  receiveSpans(spans: readonly WireSpan[]): void {
    this.traces?.receive(spans);
  }

  /** `host:port` of each pull reader in force, in config order. */
  pullEndpoints(): string[] {
    return this.listeners.map((l) => l.bound);
  }

  /** Pushes the last figures and spans, then stops every reader, the tracer and the listeners. */
  async shutdown(): Promise<void> {
    this.selfMetrics.tracer = undefined;
    await Promise.all([this.metrics?.shutdown(), this.traces?.shutdown()]);
    await Promise.all(this.listeners.map((l) => l.close()));
    this.metrics = undefined;
    this.traces = undefined;
    this.listeners = [];
    this.config = undefined;
  }

  /** One listener per pull reader of `next`: the running one of the same `host:port`, else bound now (`fresh`). */
  private async bindPulls(next: TelemetryConfig): Promise<{ listeners: PullListener[]; fresh: PullListener[] }> {
    const spare = [...this.listeners];
    const listeners: PullListener[] = [];
    const fresh: PullListener[] = [];
    try {
      for (const pull of next.metrics.level === 'none' ? [] : pullReaders(next)) {
        const kept = spare.findIndex((l) => l.endpoint === pull.endpoint);
        if (kept >= 0) {
          listeners.push(spare.splice(kept, 1)[0]!);
          continue;
        }
        const listener = await bindPullListener(pull.endpoint, pull.path);
        fresh.push(listener);
        listeners.push(listener);
      }
    } catch (error) {
      await Promise.all(fresh.map((l) => l.close()));
      throw error;
    }
    return { listeners, fresh };
  }

  /** New readers on `listeners` first (a kept listener answers from the new exporter at once), then the old ones' last push. */
  private async swapMetrics(next: TelemetryConfig, resource: Resource, listeners: PullListener[]): Promise<void> {
    const old = this.metrics;
    const unused = this.listeners.filter((l) => !listeners.includes(l));
    this.metrics = undefined;
    if (metricsOn(next)) {
      const { OwnMetrics } = await import('./own-metrics.ts');
      this.metrics = new OwnMetrics(next, this.selfMetrics, resource, this.startTime, this.logger, listeners);
      this.metrics.start();
    }
    this.listeners = listeners;
    await old?.shutdown();
    await Promise.all(unused.map((l) => l.close()));
  }

  private async swapTraces(next: TelemetryConfig, resource: Resource): Promise<void> {
    const old = this.traces;
    this.traces = undefined;
    this.selfMetrics.tracer = undefined;
    if (tracesOn(next)) {
      const { OwnTraces } = await import('./own-traces.ts');
      this.traces = new OwnTraces(next, resource, this.logger, this.forwardSpans);
      this.selfMetrics.tracer = this.traces.start();
    }
    await old?.shutdown();
  }
}
