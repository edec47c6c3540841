import type { Logger } from 'pino';
import type { Attributes } from '../../src/model/common.ts';
import type { MetricsBatch } from '../../src/model/metrics.ts';
import { scrapeReportSeries, toBatch } from './batch.ts';
import type { Fetcher } from './http-scrape.ts';
import { formatOf, parseExposition } from './parse.ts';
import { SeriesState, staleMarker } from './series-state.ts';
import { familiesToSeries, type TargetLabels } from './to-otlp.ts';

/** Where a scrape says it failed (the receiver's span of it), since a failed scrape does not throw. */
export interface ScrapeOutcome {
  failed(reason: string, message: string): void;
}

export interface TargetSettings {
  job: string;
  /** `host:port` as written in static_configs. */
  address: string;
  scheme: string;
  intervalMs: number;
  labels: TargetLabels;
  fetcher: Fetcher;
  logger: Logger;
  /** Hands one scrape's points to the pipelines; a rejection loses that scrape (counted by the caller). */
  emit(batch: MetricsBatch): Promise<void>;
  /** Called after every scrape with its outcome, for health and self-metrics. */
  onScrape(outcome: { ok: boolean; error?: string; series: number }): void;
  /**
   * Runs one scrape, which resolves to the bytes of the page it read: the receiver times it and traces
   * it (`timedIntake`), told of a failed scrape through `outcome`.
   */
  intake?(scrape: (outcome: ScrapeOutcome) => Promise<number>): Promise<void>;
  /**
   * The same target's scraper before a reload, stopped: its series keep their start times (no reset
   * downstream), and those the new config no longer makes are ended at the first scrape.
   */
  predecessor?: TargetScraper;
}

/**
 * One target's scrape loop: every interval (on a fixed grid, so a slow scrape does not drift the next),
 * fetch, parse, convert, set start times and stale markers, and emit with `up` and the scrape's figures.
 * Never throws: a failed scrape is `up 0` and stale markers for everything the target had.
 */
export class TargetScraper {
  private readonly state: SeriesState;
  /** Whether a scrape ran (so `up` and the scrape's figures were sent and have something to end). */
  private reported = false;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private lastError: string | undefined;
  private readonly reportAttributes: Attributes;

  constructor(private readonly s: TargetSettings) {
    this.state = s.predecessor?.state ?? new SeriesState();
    this.reported = s.predecessor?.reported ?? false;
    const attrs: Attributes = {};
    for (const [k, v] of Object.entries(s.labels.labels)) if (k !== 'job' && k !== 'instance' && v !== '') attrs[k] = v;
    this.reportAttributes = attrs;
  }

  get instance(): string {
    return this.s.labels.labels.instance ?? this.s.address;
  }

  start(): void {
    const first = Date.now();
    const tick = (n: number) => {
      if (this.stopped) return;
      this.running = (this.s.intake ? this.s.intake((outcome) => this.scrapeOnce(outcome)) : this.scrapeOnce()).then(() => undefined).finally(() => {
        this.running = undefined;
        if (this.stopped) return;
        // The next slot of the grid still ahead (a scrape longer than the interval skips slots).
        const now = Date.now();
        let next = n + 1;
        while (first + next * this.s.intervalMs <= now) next++;
        this.timer = setTimeout(() => tick(next), first + next * this.s.intervalMs - now);
      });
    };
    tick(0);
  }

  /** Stops the loop; waits for a scrape in flight so its points are handed on before the pipelines stop. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Identifies the target across reloads: its job and address. */
  get key(): string {
    return `${this.s.job}\u0000${this.s.address}`;
  }

  /**
   * What ends this target downstream, as Prometheus does for a target that disappears: a stale marker
   * for every series of its last scrape and for `up` and the scrape's figures (an empty batch when it
   * never scraped). For a stopped scraper whose target the new config removed.
   */
  ended(nowMs: number): MetricsBatch {
    const nowNs = nowMs * 1e6;
    const series = this.state.allStale(nowNs);
    if (this.reported) {
      const zero = { up: false, durationSeconds: 0, samplesScraped: 0, samplesKept: 0 };
      series.push(...scrapeReportSeries(this.s.labels.labels.job ?? this.s.job, this.instance, this.reportAttributes, zero, nowMs).map((r) => staleMarker(r, nowNs)));
    }
    this.reported = false;
    return toBatch(series, this.s.scheme);
  }

  /** One scrape; exported for tests that drive time themselves. Resolves to the bytes of the page read (0 when the scrape failed). */
  async scrapeOnce(outcome?: ScrapeOutcome): Promise<number> {
    const startMs = Date.now();
    const startNs = startMs * 1e6;
    const job = this.s.labels.labels.job ?? this.s.job;
    let series;
    let report;
    let bytes = 0;
    try {
      const res = await this.s.fetcher.fetch(this.s.address);
      bytes = Buffer.byteLength(res.body);
      const families = parseExposition(res.body, formatOf(res.contentType));
      const converted = familiesToSeries(families, this.s.labels, startMs);
      series = this.state.adjust(converted.series, startNs);
      report = { up: true, durationSeconds: (Date.now() - startMs) / 1000, samplesScraped: converted.samplesScraped, samplesKept: converted.samplesKept };
      if (this.lastError !== undefined) this.s.logger.info({ target: this.s.address }, `Scraping ${this.s.address} works again.`);
      this.lastError = undefined;
    } catch (error) {
      const message = (error as Error).message;
      outcome?.failed('scrape_failed', message);
      series = this.state.allStale(startNs);
      report = { up: false, durationSeconds: (Date.now() - startMs) / 1000, samplesScraped: 0, samplesKept: 0 };
      // Said once per change of error, not every interval.
      if (message !== this.lastError) this.s.logger.warn({ target: this.s.address, job, err: message }, `Scrape of ${this.s.address} failed: ${message}.`);
      this.lastError = message;
    }
    this.s.onScrape({ ok: report.up, ...(this.lastError !== undefined ? { error: this.lastError } : {}), series: this.state.seriesCount });
    series.push(...scrapeReportSeries(job, this.instance, this.reportAttributes, report, startMs));
    this.reported = true;
    await this.s.emit(toBatch(series, this.s.scheme)).catch(() => undefined);
    return bytes;
  }
}
