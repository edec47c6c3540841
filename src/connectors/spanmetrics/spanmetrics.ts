import type { CreateSettings, Exporter } from '../../component/component.ts';
import type { SignalConsumers } from '../../consumer/consumer.ts';
import { withOrigin } from '../../consumer/origin.ts';
import type { TracesBatch } from '../../model/traces.ts';
import { SpanAggregator } from './aggregator.ts';
import type { SpanmetricsConfig } from './config.ts';

/** The `spanmetrics` connector: spans in (traces pipeline), calls and durations out (metrics pipelines). */
export class SpanmetricsConnector implements Exporter {
  private readonly aggregator: SpanAggregator;
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;

  constructor(
    private readonly settings: CreateSettings,
    private readonly config: SpanmetricsConfig,
    private readonly next: SignalConsumers,
  ) {
    this.aggregator = new SpanAggregator(config);
  }

  async start(): Promise<void> {
    this.timer = setInterval(() => void this.flush(), this.config.metrics_flush_interval);
    this.timer.unref();
  }

  async consumeTraces(batch: TracesBatch): Promise<void> {
    this.aggregator.add(batch, Date.now());
    this.dirty = true;
  }

  /** Forgets the resources whose spans came from origins another gateway holds now: their metrics are made there. */
  forgetOrigins(origins: ReadonlySet<string>): void {
    this.aggregator.forget(origins);
  }

  /** The last flush on shutdown sends what was counted since the previous one. */
  async shutdown(): Promise<void> {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.dirty) await this.flush();
  }

  /** Never throws: a failed flush is reported, and the cumulative values go out again next time. */
  private async flush(): Promise<void> {
    const snapshots = this.aggregator.snapshotByOrigin(Date.now());
    const next = this.next.metrics;
    if (snapshots.length === 0 || !next) return;
    try {
      // Each origin's metrics go on under that origin (the flush runs on a timer, outside any receiver's
      // consume call), so the stages after keep them apart and forget them with it.
      for (const { origin, batch } of snapshots) await (origin === undefined ? next.consumeMetrics(batch) : withOrigin(origin, () => next.consumeMetrics(batch)));
      this.dirty = false;
      this.settings.health.reportOk();
    } catch (error) {
      this.settings.health.reportError(error);
      this.settings.logger.warn({ err: error }, 'spanmetrics flush was refused downstream; it is sent again at the next flush.');
    }
  }
}
