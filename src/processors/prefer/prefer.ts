import type { CreateSettings } from '../../component/component.ts';
import type { Attributes } from '../../model/common.ts';
import type { MetricsBatch } from '../../model/metrics.ts';
import { attributesKey } from '../../model/series-key.ts';
import { mapMetrics } from '../../model/transform.ts';
import { metricNameFilter } from '../match/metric-name-matcher.ts';
import type { PreferConfig } from './config.ts';
import { currentOrigin, forgottenWith, joinOrigin } from '../../consumer/origin.ts';

/**
 * The `prefer` transform: one source per service. A service that sent a primary metric within `hold`
 * gets its fallback metrics dropped (counted as `fallback_superseded`); a service that never does keeps
 * them, once it has been seen for `fallback_delay` (until then `fallback_delayed`). So request metrics
 * come from the HTTP histograms where services send them, and from spans where they send only spans,
 * never from both at once.
 */
export class PreferTransform {
  private readonly isPrimary: (name: string) => boolean;
  private readonly isFallback: (name: string) => boolean;
  private readonly lastPrimary = new Map<string, number>();
  private readonly firstSeen = new Map<string, number>();
  /** Where each service's points came from (src/consumer/origin.ts): what it knows of one goes with that origin. */
  private readonly from = new Map<string, string | undefined>();

  constructor(
    private readonly config: PreferConfig,
    private readonly settings: CreateSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.isPrimary = metricNameFilter(config.primary, undefined);
    this.isFallback = metricNameFilter(config.fallback, undefined);
  }

  processMetrics(batch: MetricsBatch): MetricsBatch {
    const now = this.now();
    const origin = currentOrigin();
    for (const rm of batch.resourceMetrics) {
      const key = this.serviceKey(rm.resource.attributes);
      if (!this.firstSeen.has(key)) this.firstSeen.set(key, now);
      const held = this.from.get(key);
      if (held !== origin || !this.from.has(key)) this.from.set(key, this.from.has(key) ? joinOrigin(held, origin) : origin);
      if (rm.scopeMetrics.some((sm) => sm.metrics.some((m) => this.isPrimary(m.name)))) this.lastPrimary.set(key, now);
    }
    let superseded = 0;
    let delayed = 0;
    const out = mapMetrics(batch, (m, ctx) => {
      if (!this.isFallback(m.name)) return m;
      const key = this.serviceKey(ctx.resource.attributes);
      const seen = this.lastPrimary.get(key);
      if (seen !== undefined && now - seen <= this.config.hold) superseded += m.points.length;
      else if (seen === undefined && now - this.firstSeen.get(key)! < this.config.fallback_delay) delayed += m.points.length;
      else return m;
      return undefined;
    });
    if (superseded > 0) this.settings.telemetry.dropped(superseded, 'fallback_superseded');
    if (delayed > 0) this.settings.telemetry.dropped(delayed, 'fallback_delayed');
    return out;
  }

  /**
   * Forgets the services whose points came from one of `lost` (another gateway holds that origin now): if
   * one comes back here, its fallback waits `fallback_delay` again, as at a start.
   */
  forgetOrigins(lost: ReadonlySet<string>): void {
    for (const [key, origin] of this.from) {
      if (!forgottenWith(origin, lost)) continue;
      this.from.delete(key);
      this.firstSeen.delete(key);
      this.lastPrimary.delete(key);
    }
  }

  private serviceKey(attributes: Attributes): string {
    const picked: Attributes = {};
    for (const k of this.config.resource_attributes) if (attributes[k] !== undefined) picked[k] = attributes[k]!;
    return attributesKey(picked);
  }
}
