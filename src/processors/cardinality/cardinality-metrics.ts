import type { CreateSettings } from '../../component/component.ts';
import type { OwnCounter, OwnGauge } from '../../telemetry/component-telemetry.ts';
import type { Run } from './run.ts';
import type { SeriesMemory } from './series-memory.ts';

/** What the processor counts: series let through by metric, points over a limit, points dropped. */
export class CardinalityMetrics {
  private readonly seriesGauge: OwnGauge<'processor' | 'metric'>;
  private readonly overflowCounter: OwnCounter<'processor' | 'metric'>;
  private readonly id: string;

  constructor(
    private readonly settings: CreateSettings,
    private readonly memory: SeriesMemory,
  ) {
    this.id = settings.id.toString();
    this.seriesGauge = settings.telemetry.gauge({ name: 'switchyard_cardinality_series', help: 'Series a cardinality processor lets through (kept, merged and overflow), by metric, over every resource.', labelNames: ['processor', 'metric'] });
    this.overflowCounter = settings.telemetry.counter({ name: 'switchyard_cardinality_overflow_points_total', help: 'Points over a cardinality limit: folded into the overflow series, relabelled __overflow__, or dropped.', labelNames: ['processor', 'metric'] });
  }

  report(run: Run, metric: string): void {
    if (run.overLimit > 0) this.overflowCounter.inc({ processor: this.id, metric }, run.overLimit);
    for (const [reason, n] of run.dropped) this.settings.telemetry.dropped(n, reason);
  }

  /** The series gauge of every metric whose live count changed. */
  publishSeries(): void {
    for (const metric of this.memory.takeChanged()) {
      const n = this.memory.liveByMetric.get(metric);
      if (n) this.seriesGauge.set({ processor: this.id, metric }, n);
      else this.seriesGauge.remove({ processor: this.id, metric });
    }
  }

  /** A processor shut down lets through nothing: its series gauges go. */
  removeSeries(): void {
    for (const metric of this.memory.liveByMetric.keys()) this.seriesGauge.remove({ processor: this.id, metric });
  }
}
