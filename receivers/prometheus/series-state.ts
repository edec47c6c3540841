import { FLAG_NO_RECORDED_VALUE, type HistogramDataPoint, type NumberDataPoint, type SummaryDataPoint } from '../../src/model/metrics.ts';
import type { ScrapedSeries } from './to-otlp.ts';

interface Held {
  startNs: number;
  lastNs: number;
  /** A sum's value, or a histogram's or summary's count. */
  count: number;
  sum: number;
}

/**
 * What one target's series were at its last scrape, so that each cumulative point gets a start time
 * and a reset is seen (the Collector's metrics adjuster), and a series that is gone is said to be gone
 * (a point flagged "no recorded value", Prometheus's stale marker).
 *
 * Start times: `_created` when the page has it; else the time the series was first scraped, kept
 * while its value only grows. A value lower than the last one (a restarted process) starts a new
 * interval, whose start is just after the previous scrape: the restart happened between the two
 * scrapes, and every count the new point carries was made after it.
 */
export class SeriesState {
  private held = new Map<string, Held>();
  private last = new Map<string, ScrapedSeries>();

  /** Sets start times on a scrape's series (in place) and returns them with stale markers for the gone ones. */
  adjust(current: ScrapedSeries[], scrapeNs: number): ScrapedSeries[] {
    const seen = new Map<string, ScrapedSeries>();
    for (const s of current) {
      seen.set(s.key, s);
      if (s.metric.type !== 'gauge') this.setStart(s);
    }
    const out = current.slice();
    for (const [key, old] of this.last) if (!seen.has(key)) out.push(this.staleMarker(old, scrapeNs));
    this.last = seen;
    return out;
  }

  /** A failed scrape: every series of the last one is stale. */
  allStale(scrapeNs: number): ScrapedSeries[] {
    const out = [...this.last.values()].map((s) => this.staleMarker(s, scrapeNs));
    this.last = new Map();
    return out;
  }

  get seriesCount(): number {
    return this.last.size;
  }

  private setStart(s: ScrapedSeries): void {
    const p = s.point;
    const count = 'value' in p ? p.value : p.count;
    const sum = 'sum' in p && p.sum !== undefined ? p.sum : 0;
    const held = this.held.get(s.key);
    let startNs: number;
    if (s.createdNs !== undefined) startNs = s.createdNs;
    else if (!held) startNs = p.timeUnixNano;
    else if (isReset(s, held, count, sum)) startNs = Math.min(held.lastNs + 1e6, p.timeUnixNano);
    else startNs = held.startNs;
    p.startTimeUnixNano = startNs;
    this.held.set(s.key, { startNs, lastNs: p.timeUnixNano, count, sum });
  }

  private staleMarker(s: ScrapedSeries, scrapeNs: number): ScrapedSeries {
    // Its start time is forgotten: a series that comes back is a new one, with a new start.
    this.held.delete(s.key);
    return staleMarker(s, scrapeNs);
  }
}

/**
 * The point that ends series `s` at `timeNs`, flagged "no recorded value". It keeps the series' shape
 * (a histogram's bounds, a summary's quantiles) so that an exporter that never held the series (one a
 * reload started) still knows every Prometheus series it ends.
 */
export function staleMarker(s: ScrapedSeries, timeNs: number): ScrapedSeries {
  const base = { attributes: s.point.attributes, startTimeUnixNano: s.point.startTimeUnixNano, timeUnixNano: timeNs, flags: FLAG_NO_RECORDED_VALUE };
  let point: NumberDataPoint | HistogramDataPoint | SummaryDataPoint;
  if ('value' in s.point) point = { ...base, value: NaN };
  else if ('bucketCounts' in s.point) point = { ...base, count: 0, bucketCounts: s.point.bucketCounts.map(() => 0), explicitBounds: s.point.explicitBounds };
  else point = { ...base, count: 0, sum: 0, quantileValues: s.point.quantileValues.map((q) => ({ quantile: q.quantile, value: NaN })) };
  return { key: s.key, job: s.job, instance: s.instance, metric: s.metric, point };
}

function isReset(s: ScrapedSeries, held: Held, count: number, sum: number): boolean {
  switch (s.metric.type) {
    case 'sum':
      return count < held.count;
    case 'histogram':
      return count < held.count || sum < held.sum;
    case 'summary':
      // As the Collector: a summary with no observations yet (0) is not a reset.
      return (count !== 0 && held.count !== 0 && count < held.count) || (sum !== 0 && held.sum !== 0 && sum < held.sum);
    default:
      return false;
  }
}
