import type { HrTime } from '@opentelemetry/api';
import { hrTime } from '@opentelemetry/core';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { Resource } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type CollectionResult, type MetricProducer, type MetricReader } from '@opentelemetry/sdk-metrics';
import type { Logger } from 'pino';
import { VERSION } from '../version.ts';
import { pullReaders, type TelemetryConfig } from '../config/telemetry.ts';
import { metricExporter } from './otlp-exporters.ts';
import { promToOtel } from './prom-to-otel.ts';
import type { PullListener } from './pull-listener.ts';
import type { SelfMetrics } from './self-metrics.ts';

/**
 * The self-metrics as an OpenTelemetry MetricProducer: prom-client's registry stays the one store the
 * components count into (a counter add per batch, as before), and every SDK reader reads it through
 * this producer at its own collection time, never on the hot path.
 */
export class SelfMetricsProducer implements MetricProducer {
  /** `startTime`: when the counts began (the process's start), the same across reloads, so sums never look reset. */
  constructor(
    private readonly selfMetrics: SelfMetrics,
    private readonly resource: Resource,
    private readonly startTime: HrTime,
  ) {}

  async collect(): Promise<CollectionResult> {
    const metrics = promToOtel(await this.selfMetrics.snapshot(), this.startTime, hrTime());
    return { resourceMetrics: { resource: this.resource, scopeMetrics: [{ scope: { name: 'switchyard', version: VERSION }, metrics }] }, errors: [] };
  }
}

/**
 * `service.telemetry.metrics.readers` through the OpenTelemetry SDK: a MeterProvider with the gateway's
 * resource, a PeriodicExportingMetricReader with an OTLP exporter per `periodic` reader, and a
 * Prometheus exporter per `pull` reader (served on a listener bound beforehand by OwnTelemetry, so port 0
 * and a port in use behave as everywhere else in the gateway, and a reload can keep it bound). The
 * admin port's `/metrics` is not one of them: it renders the registry itself, exactly as before.
 */
export class OwnMetrics {
  private provider: MeterProvider | undefined;

  /** `pulls`: one bound listener per pull reader, in the order of pullReaders(config). */
  constructor(
    private readonly config: TelemetryConfig,
    private readonly selfMetrics: SelfMetrics,
    private readonly resource: Resource,
    private readonly startTime: HrTime,
    private readonly logger: Logger,
    private readonly pulls: readonly PullListener[],
  ) {}

  start(): void {
    if (this.config.metrics.level === 'none') return;
    const producer = new SelfMetricsProducer(this.selfMetrics, this.resource, this.startTime);
    const readers: MetricReader[] = [];
    for (const reader of this.config.metrics.readers) {
      if (!reader.periodic) continue;
      const { interval, timeout, exporter } = reader.periodic;
      readers.push(
        new PeriodicExportingMetricReader({
          exporter: metricExporter(exporter.otlp!),
          exportIntervalMillis: interval,
          // The SDK refuses a timeout longer than the interval.
          exportTimeoutMillis: Math.min(timeout, interval),
          metricProducers: [producer],
        }),
      );
    }
    pullReaders(this.config).forEach((pull, i) => {
      const exporter = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: pull.without_scope_info, withoutTargetInfo: pull.without_target_info, metricProducers: [producer] });
      readers.push(exporter);
      this.pulls[i]!.handle = (req, res) => {
        if ((req.url ?? '/').split('?')[0] !== '/metrics') {
          res.writeHead(404, { 'Content-Type': 'text/plain' }).end('the gateway\'s own metrics are at /metrics\n');
          return;
        }
        exporter.getMetricsRequestHandler(req, res);
      };
    });
    this.provider = new MeterProvider({ resource: this.resource, readers });
    this.logger.debug({ readers: readers.length }, 'Own metrics readers started.');
  }

  /** Pushes once more (the periodic readers' last figures), then stops every reader; the listeners are their owner's to close. */
  async shutdown(): Promise<void> {
    const provider = this.provider;
    this.provider = undefined;
    await provider?.shutdown().catch((error: unknown) => this.logger.warn({ err: error }, 'Own metrics: the last push failed.'));
  }
}
