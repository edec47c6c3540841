import { createServer, type Server } from 'node:http';
import { hrTime } from '@opentelemetry/core';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { Resource } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type CollectionResult, type MetricProducer, type MetricReader } from '@opentelemetry/sdk-metrics';
import type { Logger } from 'pino';
import { closeNow, listenOn } from '../config/listen.ts';
import { VERSION } from '../version.ts';
import { pullReaders, type TelemetryConfig } from './config.ts';
import { metricExporter } from './otlp-exporters.ts';
import { promToOtel } from './prom-to-otel.ts';
import type { SelfMetrics } from './self-metrics.ts';

/**
 * The self-metrics as an OpenTelemetry MetricProducer: prom-client's registry stays the one store the
 * components count into (a counter add per batch, as before), and every SDK reader reads it through
 * this producer at its own collection time, never on the hot path.
 */
export class SelfMetricsProducer implements MetricProducer {
  private readonly startTime = hrTime();

  constructor(
    private readonly selfMetrics: SelfMetrics,
    private readonly resource: Resource,
  ) {}

  async collect(): Promise<CollectionResult> {
    const metrics = promToOtel(await this.selfMetrics.snapshot(), this.startTime, hrTime());
    return { resourceMetrics: { resource: this.resource, scopeMetrics: [{ scope: { name: 'switchyard', version: VERSION }, metrics }] }, errors: [] };
  }
}

interface PullServer {
  server: Server;
  /** `host:port` it is bound to. */
  bound: string;
}

/**
 * `service.telemetry.metrics.readers` through the OpenTelemetry SDK: a MeterProvider with the gateway's
 * resource, a PeriodicExportingMetricReader with an OTLP exporter per `periodic` reader, and a
 * Prometheus exporter per `pull` reader (served by our own listener, so port 0 and a port in use behave
 * as everywhere else in the gateway). The admin port's `/metrics` is not one of them: it renders
 * the registry itself, exactly as before.
 */
export class OwnMetrics {
  private provider: MeterProvider | undefined;
  private readonly pulls: PullServer[] = [];

  constructor(
    private readonly config: TelemetryConfig,
    private readonly selfMetrics: SelfMetrics,
    private readonly resource: Resource,
    private readonly logger: Logger,
  ) {}

  /** Throws ConfigFault (at the reader's path under `service.telemetry`) when a pull reader's port is taken. */
  async start(): Promise<void> {
    if (this.config.metrics.level === 'none') return;
    const producer = new SelfMetricsProducer(this.selfMetrics, this.resource);
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
    for (const pull of pullReaders(this.config)) {
      const exporter = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: pull.without_scope_info, withoutTargetInfo: pull.without_target_info, metricProducers: [producer] });
      readers.push(exporter);
      const server = createServer((req, res) => {
        if ((req.url ?? '/').split('?')[0] !== '/metrics') {
          res.writeHead(404, { 'Content-Type': 'text/plain' }).end('the gateway\'s own metrics are at /metrics\n');
          return;
        }
        exporter.getMetricsRequestHandler(req, res);
      });
      this.pulls.push({ server, bound: await listenOn(server, pull.endpoint, pull.path) });
    }
    this.provider = new MeterProvider({ resource: this.resource, readers });
    this.logger.debug({ readers: readers.length }, 'Own metrics readers started.');
  }

  /** `host:port` of each pull reader, in config order. */
  pullEndpoints(): string[] {
    return this.pulls.map(({ bound }) => bound);
  }

  /** Pushes once more (the periodic readers' last figures), then stops every reader and listener. */
  async shutdown(): Promise<void> {
    const provider = this.provider;
    this.provider = undefined;
    await provider?.shutdown().catch((error: unknown) => this.logger.warn({ err: error }, 'Own metrics: the last push failed.'));
    for (const { server } of this.pulls.splice(0)) await closeNow(server);
  }
}
