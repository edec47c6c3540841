import type { Tracer } from '@opentelemetry/api';
import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { MetricsLevel } from '../config/telemetry.ts';
import type { PromMetricJson } from './prom-to-otel.ts';

/**
 * The histograms the Collector adds at `detailed`: observed only at that level (a clock read and a
 * bucket search per request or send), and shown only at that level.
 */
export const DETAILED_ONLY: ReadonlySet<string> = new Set([
  'switchyard_receiver_request_duration_seconds',
  'switchyard_receiver_request_size_bytes',
  'switchyard_exporter_send_duration_seconds',
]);

/** OpenTelemetry's HTTP duration buckets (semantic conventions), in seconds. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
/** Powers of 4 from 256 B to 16 MiB: an OTLP request is a few KiB to a few MiB. */
const SIZE_BUCKETS = [256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216];

/**
 * What `service.telemetry.metrics.level` shows: `basic` the receivers', exporters' and process
 * figures; `normal` (the default) everything but the `detailed` histograms; `detailed` everything;
 * `none` nothing.
 */
export function shownAtLevel(level: MetricsLevel, name: string): boolean {
  if (level === 'none') return false;
  if (DETAILED_ONLY.has(name)) return level === 'detailed';
  if (level === 'basic') return /^switchyard_(receiver|exporter|process)_/.test(name);
  return true;
}

/** A metric a component type declares for itself: its name, help and label names, as documented in src/admin/README.md. */
export interface OwnMetric<L extends string> {
  name: string;
  help: string;
  labelNames: readonly L[];
}

/**
 * The gateway's own telemetry (`switchyard_*`), served by the admin server's `/metrics`.
 * One instance per gateway process; components reach it only through ComponentTelemetry.
 */
export class SelfMetrics {
  readonly registry = new Registry();
  /** `service.telemetry.metrics.level`, set at start and by each reload; every way out (admin, readers) honours it. */
  level: MetricsLevel = 'normal';
  /**
   * The gateway's own tracer while `service.telemetry.traces` is on (set at start), else undefined.
   * It rides here because every component's ComponentTelemetry is already bound to this one object.
   */
  tracer: Tracer | undefined;

  readonly receiverAccepted = new Counter({
    name: 'switchyard_receiver_accepted_points_total',
    help: 'Data points, spans or log records a receiver accepted into the pipelines.',
    labelNames: ['component', 'signal', 'transport'],
    registers: [this.registry],
  });

  readonly receiverRefused = new Counter({
    name: 'switchyard_receiver_refused_points_total',
    help: 'Data points, spans or log records a receiver refused, when their number is known (unusable items, or pushed back by a pipeline).',
    labelNames: ['component', 'signal', 'transport', 'reason'],
    registers: [this.registry],
  });

  readonly receiverRefusedRequests = new Counter({
    name: 'switchyard_receiver_refused_requests_total',
    help: 'Requests a receiver answered with an error (malformed, too large, unsupported type, pushed back), whether or not their items could be counted.',
    labelNames: ['component', 'signal', 'transport', 'reason'],
    registers: [this.registry],
  });

  readonly receiverTruncatedAttributes = new Counter({
    name: 'switchyard_receiver_truncated_attributes_total',
    help: 'Attributes a receiver changed to fit its limits: dropped over max_attributes_per_point (reason="count") or cut to max_attribute_value_length (reason="length").',
    labelNames: ['component', 'signal', 'transport', 'reason'],
    registers: [this.registry],
  });

  readonly adminRefusedRequests = new Counter({
    name: 'switchyard_admin_refused_requests_total',
    help: 'Requests the admin server refused for want of its bearer token, by reason (unauthenticated, invalid_token).',
    labelNames: ['reason'],
    registers: [this.registry],
  });

  readonly exporterSent = new Counter({
    name: 'switchyard_exporter_sent_points_total',
    help: 'Data points, spans or log records an exporter delivered.',
    labelNames: ['component', 'signal'],
    registers: [this.registry],
  });

  readonly exporterFailed = new Counter({
    name: 'switchyard_exporter_failed_points_total',
    help: 'Data points, spans or log records an exporter gave up on.',
    labelNames: ['component', 'signal', 'reason'],
    registers: [this.registry],
  });

  readonly exporterQueueSize = new Gauge({
    name: 'switchyard_exporter_queue_size',
    help: 'What waits in an exporter queue: batches (log exporter, by signal) or data points (batching exporters).',
    labelNames: ['component', 'signal'],
    registers: [this.registry],
  });

  /** Per component, how to read its queue's age now: read at each collection, so the figure is never stale. */
  readonly queueAgeReaders = new Map<string, () => number>();

  readonly exporterQueueAge: Gauge<'component'> = new Gauge({
    name: 'switchyard_exporter_queue_oldest_age_seconds',
    help: 'How long the oldest item an exporter has not yet delivered has waited (queued, being sent or retried).',
    labelNames: ['component'],
    registers: [this.registry],
    collect: () => {
      for (const [component, read] of this.queueAgeReaders) this.exporterQueueAge.set({ component }, read());
    },
  });

  readonly receiverRequestDuration = new Histogram({
    name: 'switchyard_receiver_request_duration_seconds',
    help: 'How long a receiver took to answer a request, from its arrival to the answer (level detailed).',
    labelNames: ['component', 'signal', 'transport'],
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });

  readonly receiverRequestSize = new Histogram({
    name: 'switchyard_receiver_request_size_bytes',
    help: 'Size of the request bodies a receiver took for decoding, after decompression (level detailed).',
    labelNames: ['component', 'signal', 'transport'],
    buckets: SIZE_BUCKETS,
    registers: [this.registry],
  });

  readonly exporterSendDuration = new Histogram({
    name: 'switchyard_exporter_send_duration_seconds',
    help: 'How long an exporter took to send one request to its backend, its retries included, by outcome (success, failure) (level detailed).',
    labelNames: ['component', 'signal', 'outcome'],
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });

  readonly processorDropped = new Counter({
    name: 'switchyard_processor_dropped_points_total',
    help: 'Data points a processor dropped on purpose, by reason.',
    labelNames: ['component', 'pipeline', 'reason'],
    registers: [this.registry],
  });

  readonly processorRefused = new Counter({
    name: 'switchyard_processor_refused_points_total',
    help: 'Data points, spans or log records a processor refused with a retryable error (the sender retries them), by reason.',
    labelNames: ['component', 'pipeline', 'signal', 'reason'],
    registers: [this.registry],
  });

  /** `processMetrics: false` in a worker thread: CPU and memory are the process's, reported once by the main thread. */
  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics === false) return;
    collectDefaultMetrics({ register: this.registry, prefix: 'switchyard_' });
    // prom-client names three gauges `*_total` (active handles, requests, resources), which promtool
    // flags; the process CPU, memory and event-loop figures are what on-call needs, so those go.
    for (const m of this.registry.getMetricsAsArray()) {
      if (m.name.endsWith('_total') && String((m as unknown as { type: unknown }).type) !== 'counter') this.registry.removeSingleMetric(m.name);
    }
  }

  /**
   * A counter that one component type declares for itself (`switchyard_ratio_…`), registered on first
   * use and then shared by every instance of the type, across reloads too.
   */
  ownCounter<L extends string>(def: OwnMetric<L>): Counter<L> {
    const existing = this.registry.getSingleMetric(def.name) as Counter<L> | undefined;
    return existing ?? new Counter({ name: def.name, help: def.help, labelNames: def.labelNames, registers: [this.registry] });
  }

  /** A gauge that one component type declares for itself, as `ownCounter`. */
  ownGauge<L extends string>(def: OwnMetric<L>): Gauge<L> {
    const existing = this.registry.getSingleMetric(def.name) as Gauge<L> | undefined;
    return existing ?? new Gauge({ name: def.name, help: def.help, labelNames: def.labelNames, registers: [this.registry] });
  }

  /** With `--workers N`, in the main thread: the workers' own values, which the pipelines' counters live in. */
  workerValues: (() => Promise<MetricObjectWithValues<MetricValue<string>>[][]>) | undefined;

  /** Prometheus text format 0.0.4, the metrics of the level only (the workers' added). */
  async render(): Promise<{ body: string; contentType: string }> {
    const registry = await this.current();
    if (this.level === 'detailed') return { body: await registry.metrics(), contentType: this.registry.contentType };
    const names = registry.getMetricsAsArray().map((m) => m.name).filter((name) => shownAtLevel(this.level, name));
    const parts = await Promise.all(names.map((name) => registry.getSingleMetricAsString(name)));
    return { body: parts.length > 0 ? `${parts.join('\n\n')}\n` : '', contentType: this.registry.contentType };
  }

  /** The metrics of the level as values, read now (the workers' added): what the OpenTelemetry readers export. */
  async snapshot(): Promise<PromMetricJson[]> {
    if (this.level === 'none') return [];
    const all = (await (await this.current()).getMetricsAsJSON()) as PromMetricJson[];
    return all.filter((m) => shownAtLevel(this.level, m.name));
  }

  /** These metrics' values now, whatever the level; with workers, theirs added (the pipelines' counters live in them). */
  async valuesOf(metrics: readonly Metric<string>[]): Promise<MetricValue<string>[][]> {
    if (!this.workerValues) return Promise.all(metrics.map(async (m) => (await m.get()).values));
    const registry = await this.current();
    return Promise.all(metrics.map(async (m) => (await registry.getSingleMetric((await m.get()).name)?.get())?.values ?? []));
  }

  /** Every metric with its values, whatever the level, as plain data (what a worker thread sends the main thread). */
  everyValue(): Promise<MetricObjectWithValues<MetricValue<string>>[]> {
    return this.registry.getMetricsAsJSON();
  }

  /** This registry, or with workers one made now of its values and theirs (counters and gauges of a series summed). */
  private async current(): Promise<Registry> {
    return this.workerValues ? AggregatorRegistry.aggregate([await this.everyValue(), ...(await this.workerValues())]) : this.registry;
  }
}
