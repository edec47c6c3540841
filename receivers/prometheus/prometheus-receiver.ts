import type { Component, CreateSettings, ListenerHandover } from '../../src/component/component.ts';
import type { MetricsConsumer, SignalConsumers } from '../../src/consumer/consumer.ts';
import { ConsumerError } from '../../src/consumer/errors.ts';
import { countDataPoints, type MetricsBatch } from '../../src/model/metrics.ts';
import type { PrometheusReceiverConfig } from './config.ts';
import { jobFetcher, type Fetcher } from './http-scrape.ts';
import { compileRelabels } from './relabel.ts';
import { TargetScraper } from './target-scraper.ts';

const TRANSPORT = 'http';

/**
 * What a `prometheus` receiver hands its successor on a reload (through the engine's handover, which
 * is opaque to it): its stopped target scrapers, by target. Nothing is bound, so there is nothing to close.
 */
class ScrapersHandover implements ListenerHandover {
  constructor(readonly scrapers: ReadonlyMap<string, TargetScraper>) {}
  async close(): Promise<void> {}
}

/**
 * The `prometheus` receiver: scrapes every static target of its `scrape_configs` as Prometheus does
 * and hands each scrape to the metrics pipelines as cumulative OTLP points (see README.md).
 */
export class PrometheusReceiver implements Component {
  private readonly targets: TargetScraper[] = [];
  private readonly fetchers: Fetcher[] = [];
  private readonly failing = new Map<string, string>();
  /** The predecessor's stopped scrapers (a reload), by target key, until `start` has used them. */
  private predecessors = new Map<string, TargetScraper>();

  constructor(
    private readonly settings: CreateSettings,
    private readonly config: PrometheusReceiverConfig,
    private readonly next: SignalConsumers,
  ) {}

  async start(): Promise<void> {
    const consumer = this.next.metrics;
    if (!consumer) return;
    const { telemetry, health, logger } = this.settings;
    this.config.config.scrape_configs.forEach((job, j) => {
      const fetcher = jobFetcher(job, ['config', 'scrape_configs', j]);
      this.fetchers.push(fetcher);
      const relabels = compileRelabels(job.metric_relabel_configs);
      for (const sc of job.static_configs) {
        for (const address of sc.targets) {
          const labels = { job: job.job_name, instance: address, ...sc.labels };
          const name = `${labels.job}/${address}`;
          const predecessor = this.predecessors.get(`${job.job_name}\u0000${address}`);
          this.predecessors.delete(`${job.job_name}\u0000${address}`);
          this.targets.push(
            new TargetScraper({
              job: job.job_name,
              address,
              scheme: job.scheme,
              intervalMs: job.scrape_interval,
              labels: { labels, honorLabels: job.honor_labels, honorTimestamps: job.honor_timestamps, relabels },
              fetcher,
              logger,
              ...(predecessor ? { predecessor } : {}),
              emit: (batch) => this.emit(consumer, name, batch),
              intake: (scrape) => telemetry.timedIntake('metrics', TRANSPORT, scrape),
              onScrape: ({ ok, error }) => {
                if (ok) this.failing.delete(name);
                else this.failing.set(name, error ?? 'failed');
                health.setDetail('targets_down', Object.fromEntries(this.failing));
                if (this.failing.size === 0) health.reportOk();
                else health.reportError(new Error(`${this.failing.size} of ${this.targets.length} target(s) down`));
              },
            }),
          );
        }
      }
    });
    health.setDetail('targets', this.targets.length);
    // Targets the reload removed end downstream now, as Prometheus ends a target that disappears; those
    // kept continue their series (predecessor above) and get no marker.
    const removed = [...this.predecessors.values()];
    this.predecessors.clear();
    const now = Date.now();
    for (const gone of removed) {
      const batch = gone.ended(now);
      if (batch.resourceMetrics.length > 0) await this.emit(consumer, `${gone.key.replace('\u0000', '/')}`, batch);
    }
    for (const t of this.targets) t.start();
  }

  /** Hands a scrape (or a removed target's stale markers) to the pipelines. */
  private async emit(consumer: MetricsConsumer, target: string, batch: MetricsBatch): Promise<void> {
    const { telemetry, logger } = this.settings;
    const points = countDataPoints(batch);
    try {
      await consumer.consumeMetrics(batch);
      telemetry.accepted('metrics', TRANSPORT, points);
    } catch (error) {
      // A scrape the pipelines refuse is lost (there is no client to retry): counted and logged.
      const refusal = ConsumerError.from(error);
      telemetry.refused('metrics', TRANSPORT, points, refusal.retryable ? 'backpressure' : 'rejected');
      logger.warn({ target, err: refusal.message }, `The pipelines refused a scrape of ${target}: ${refusal.message}.`);
    }
  }

  /**
   * A reload: stops as `shutdown` does, but hands the stopped scrapers to the successor of the same ID,
   * which continues the targets it keeps and ends those it does not (see `takeOver`).
   */
  async handOver(): Promise<ListenerHandover> {
    const scrapers = new Map(this.targets.map((t) => [t.key, t]));
    await this.shutdown();
    return new ScrapersHandover(scrapers);
  }

  takeOver(handover: ListenerHandover): void {
    if (handover instanceof ScrapersHandover) this.predecessors = new Map(handover.scrapers);
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.targets.map((t) => t.stop()));
    this.targets.length = 0;
    for (const f of this.fetchers) f.close();
    this.fetchers.length = 0;
  }
}
