import type { Signal } from '../model/common.ts';
import { startOwnSpan, type OwnSpan } from './own-span.ts';
import type { OwnMetric, SelfMetrics } from './self-metrics.ts';

/**
 * The named events a component reports (received, refused, sent, failed, queue size), bound to its
 * ID, so component code emits an event and never touches the metrics registry itself.
 */
export interface ComponentTelemetry {
  accepted(signal: Signal, transport: string, items: number): void;
  /** Items refused, when their number is known (decoded, then unusable or pushed back). */
  refused(signal: Signal, transport: string, items: number, reason: string): void;
  /** A request answered with an error; counted even when its items were never known (refused before decoding). */
  refusedRequest(signal: Signal, transport: string, reason: string): void;
  /** Attributes changed to fit the receiver's limits: `reason` is "count" (dropped) or "length" (cut). */
  truncatedAttributes(signal: Signal, transport: string, attributes: number, reason: 'count' | 'length'): void;
  sent(signal: Signal, items: number): void;
  failed(signal: Signal, items: number, reason: string): void;
  /** What waits in the exporter's queue; `signal` when the queue holds one signal's share apart. */
  queueSize(waiting: number, signal?: Signal): void;
  /** Registers how to read the queue's oldest age (seconds), read whenever the metric is; returns the unregister. */
  watchQueueAge(read: () => number): () => void;
  /** A processor dropped data on purpose (filtered, over a limit); `pipeline` is bound at creation. */
  dropped(items: number, reason: string): void;
  /** A processor refused data with a retryable error (e.g. over a memory limit): the sender retries it. */
  processorRefused(signal: Signal, items: number, reason: string): void;
  /**
   * A span of the gateway's own traces (`service.telemetry.traces`) for one received request (`server`)
   * or one send to a backend (`client`), with the component's ID; a no-op while traces are off.
   */
  span(name: string, kind: 'server' | 'client', signal: Signal): OwnSpan;
  /**
   * One request a receiver answers, from its arrival until `end()` when it is answered
   * (`switchyard_receiver_request_duration_seconds`); at levels below `detailed` a shared no-op.
   */
  requestTimer(signal: Signal, transport: string): OwnTimer;
  /** The size of a request body a receiver took for decoding, decompressed (`switchyard_receiver_request_size_bytes`, level `detailed` only). */
  requestSize(signal: Signal, transport: string, bytes: number): void;
  /**
   * One send to a backend with its retries, until `end(outcome)` (`switchyard_exporter_send_duration_seconds`);
   * at levels below `detailed` a shared no-op.
   */
  sendTimer(signal: Signal): SendTimer;
  /**
   * One unit a receiver takes in that is no request it answers (a scrape it makes, a host metrics
   * collection, a JetStream message): `work`, from now until it settles, as one request
   * (`requestTimer`); the number `work` resolves to, the bytes of its body, as its size (`requestSize`).
   * Level `detailed` only, as those two; `work` runs at every level. Also one `receive <signal>` span
   * (`span`, kind server, with `switchyard.transport`), as the `otlp` receiver's requests: `work` tells
   * it a failure it does not throw (a scrape that failed) and the attempts before this one (a redelivery).
   */
  timedIntake(signal: Signal, transport: string, work: (intake: IntakeOutcome) => Promise<number | void>): Promise<void>;
  /**
   * One delivery of an exporter that sends through no queued sender (a file write, a scrape page served):
   * `work` as one send (`sendTimer`), `success` unless it throws or rejects; answers what `work` answers.
   */
  timedSend<T>(signal: Signal, work: () => T): T;
  /** A counter of the component type's own (`switchyard_<type>_…`), shared by every instance of the type. */
  counter<L extends string>(def: OwnMetric<L>): OwnCounter<L>;
  /** A gauge of the component type's own, as `counter`. */
  gauge<L extends string>(def: OwnMetric<L>): OwnGauge<L>;
}

/** What an intake's work tells its span beyond throwing. */
export interface IntakeOutcome {
  /** The intake failed without throwing (a scrape refused or unparsable: `up` 0). */
  failed(reason: string, message: string): void;
  /** How many times this unit was taken in before (a JetStream message's redeliveries): the span's `retries`. */
  retries(count: number): void;
}

/** A request being timed; `end` records its duration. */
export interface OwnTimer {
  end(): void;
}

/** A send being timed; `end` records its duration with its outcome. */
export interface SendTimer {
  end(outcome: 'success' | 'failure'): void;
}

const NO_TIMER: OwnTimer & SendTimer = { end: () => {} };

/** Seconds since `start` (process.hrtime.bigint()). */
function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export interface OwnCounter<L extends string> {
  inc(labels: Record<L, string>, n: number): void;
}

export interface OwnGauge<L extends string> {
  set(labels: Record<L, string>, value: number): void;
  remove(labels: Record<L, string>): void;
}

export function componentTelemetry(metrics: SelfMetrics, component: string, pipeline = ''): ComponentTelemetry {
  const telemetry: ComponentTelemetry = {
    accepted: (signal, transport, items) => metrics.receiverAccepted.inc({ component, signal, transport }, items),
    refused: (signal, transport, items, reason) =>
      metrics.receiverRefused.inc({ component, signal, transport, reason }, items),
    refusedRequest: (signal, transport, reason) => metrics.receiverRefusedRequests.inc({ component, signal, transport, reason }),
    truncatedAttributes: (signal, transport, attributes, reason) => metrics.receiverTruncatedAttributes.inc({ component, signal, transport, reason }, attributes),
    sent: (signal, items) => metrics.exporterSent.inc({ component, signal }, items),
    failed: (signal, items, reason) => metrics.exporterFailed.inc({ component, signal, reason }, items),
    queueSize: (waiting, signal) => metrics.exporterQueueSize.set(signal ? { component, signal } : { component }, waiting),
    watchQueueAge: (read) => {
      metrics.queueAgeReaders.set(component, read);
      return () => {
        if (metrics.queueAgeReaders.get(component) !== read) return; // a reloaded component took over
        metrics.queueAgeReaders.delete(component);
        metrics.exporterQueueAge.remove({ component });
      };
    },
    dropped: (items, reason) => metrics.processorDropped.inc({ component, pipeline, reason }, items),
    processorRefused: (signal, items, reason) => metrics.processorRefused.inc({ component, pipeline, signal, reason }, items),
    requestTimer: (signal, transport) => {
      if (metrics.level !== 'detailed') return NO_TIMER;
      const start = process.hrtime.bigint();
      return { end: () => metrics.receiverRequestDuration.observe({ component, signal, transport }, secondsSince(start)) };
    },
    requestSize: (signal, transport, bytes) => {
      if (metrics.level === 'detailed') metrics.receiverRequestSize.observe({ component, signal, transport }, bytes);
    },
    sendTimer: (signal) => {
      if (metrics.level !== 'detailed') return NO_TIMER;
      const start = process.hrtime.bigint();
      return { end: (outcome) => metrics.exporterSendDuration.observe({ component, signal, outcome }, secondsSince(start)) };
    },
    timedIntake: async (signal, transport, work) => {
      const timer = telemetry.requestTimer(signal, transport);
      const span = startOwnSpan(metrics.tracer, `receive ${signal}`, 'server', { 'switchyard.component': component, 'switchyard.signal': signal, 'switchyard.transport': transport });
      let failure: { reason: string; message: string } | undefined;
      const outcome: IntakeOutcome = { failed: (reason, message) => void (failure = { reason, message }), retries: (count) => count > 0 && span.setRetries(count) };
      try {
        const bytes = await work(outcome);
        if (typeof bytes === 'number') telemetry.requestSize(signal, transport, bytes);
      } catch (error) {
        failure ??= { reason: 'error', message: error instanceof Error ? error.message : String(error) };
        throw error;
      } finally {
        timer.end();
        span.end(failure);
      }
    },
    timedSend: <T>(signal: Signal, work: () => T): T => {
      const timer = telemetry.sendTimer(signal);
      let result: T;
      try {
        result = work();
      } catch (error) {
        timer.end('failure');
        throw error;
      }
      if (!(result instanceof Promise)) return timer.end('success'), result;
      return result.then(
        (value: unknown) => (timer.end('success'), value),
        (error: unknown) => {
          timer.end('failure');
          throw error;
        },
      ) as T;
    },
    span: (name, kind, signal) => startOwnSpan(metrics.tracer, name, kind, { 'switchyard.component': component, 'switchyard.signal': signal }),
    counter: <L extends string>(def: OwnMetric<L>): OwnCounter<L> => {
      const c = metrics.ownCounter(def);
      return { inc: (labels, n) => c.inc(labels, n) };
    },
    gauge: <L extends string>(def: OwnMetric<L>): OwnGauge<L> => {
      const g = metrics.ownGauge(def);
      return { set: (labels, value) => g.set(labels, value), remove: (labels) => g.remove(labels) };
    },
  };
  return telemetry;
}
