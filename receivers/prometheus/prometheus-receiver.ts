import type { Component, CreateSettings } from '../../src/component/component.ts';
import type { SignalConsumers } from '../../src/consumer/consumer.ts';
import { ConsumerError } from '../../src/consumer/errors.ts';
import { countDataPoints } from '../../src/model/metrics.ts';
import type { PrometheusReceiverConfig } from './config.ts';
import { jobFetcher, type Fetcher } from './http-scrape.ts';
import { compileRelabels } from './relabel.ts';
import { TargetScraper } from './target-scraper.ts';

const TRANSPORT = 'http';

/**
 * The `prometheus` receiver: scrapes every static target of its `scrape_configs` as Prometheus does
 * and hands each scrape to the metrics pipelines as cumulative OTLP points (see README.md).
 */
export class PrometheusReceiver implements Component {
  private readonly targets: TargetScraper[] = [];
  private readonly fetchers: Fetcher[] = [];
  private readonly failing = new Map<string, string>();

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
          this.targets.push(
            new TargetScraper({
              job: job.job_name,
              address,
              scheme: job.scheme,
              intervalMs: job.scrape_interval,
              labels: { labels, honorLabels: job.honor_labels, honorTimestamps: job.honor_timestamps, relabels },
              fetcher,
              logger,
              emit: async (batch) => {
                const points = countDataPoints(batch);
                try {
                  await consumer.consumeMetrics(batch);
                  telemetry.accepted('metrics', TRANSPORT, points);
                } catch (error) {
                  // A scrape the pipelines refuse is lost (there is no client to retry): counted and logged.
                  const refusal = ConsumerError.from(error);
                  telemetry.refused('metrics', TRANSPORT, points, refusal.retryable ? 'backpressure' : 'rejected');
                  logger.warn({ target: name, err: refusal.message }, `The pipelines refused a scrape of ${address}: ${refusal.message}.`);
                }
              },
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
    for (const t of this.targets) t.start();
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.targets.map((t) => t.stop()));
    this.targets.length = 0;
    for (const f of this.fetchers) f.close();
    this.fetchers.length = 0;
  }
}
