import { availableParallelism, hostname } from 'node:os';
import { readFile } from 'node:fs/promises';
import type { Component, CreateSettings } from '../../src/component/component.ts';
import type { SignalConsumers } from '../../src/consumer/consumer.ts';
import type { Metric, MetricsBatch, ScopeMetrics } from '../../src/model/metrics.ts';
import { countDataPoints } from '../../src/model/metrics.ts';
import { kept, type HostmetricsReceiverConfig, type ScraperName } from './config.ts';
import { metricEnabled } from './names.ts';
import { scrapeCpu } from './scrapers/cpu.ts';
import { scrapeDisk } from './scrapers/disk.ts';
import { scrapeFilesystem } from './scrapers/filesystem.ts';
import { scrapeLoad } from './scrapers/load.ts';
import { scrapeMemory } from './scrapers/memory.ts';
import type { ScrapeContext } from './scrapers/metric.ts';
import { scrapeNetwork } from './scrapers/network.ts';
import { parseProcStat, scrapeProcesses } from './scrapers/processes.ts';

/**
 * The `hostmetrics` receiver: every `collection_interval`, the enabled scrapers read `/proc` and
 * statfs and their metrics go down the pipelines as one batch, under a resource naming the host
 * (`host.name`, `os.type`, as the Collector's resourcedetection `system` detector would add). A scraper
 * that fails is reported and left out of that collection; the others still send. Collections never
 * overlap: one still running (a hung network filesystem) makes the next wait its turn.
 */
export class HostmetricsReceiver implements Component {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private bootNs = 0;
  private readonly failing = new Set<ScraperName>();

  constructor(
    private readonly settings: CreateSettings,
    private readonly config: HostmetricsReceiverConfig,
    private readonly next: SignalConsumers,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    this.timer = setTimeout(() => this.tick(), this.config.initial_delay);
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One collection of every enabled scraper, as the batch it sends. */
  async collect(nowMs = Date.now()): Promise<MetricsBatch> {
    const procDir = `${this.config.root_path}/proc`;
    if (this.bootNs === 0) this.bootNs = parseProcStat(await readFile(`${procDir}/stat`, 'utf8')).bootSeconds * 1e9;
    const scopeMetrics: ScopeMetrics[] = [];
    const s = this.config.scrapers;
    const names = (Object.keys(s) as ScraperName[]).filter((n) => s[n] !== undefined);
    const results = await Promise.allSettled(names.map((name) => this.scrape(name, { procDir, rootPath: this.config.root_path, nowNs: nowMs * 1e6, bootNs: this.bootNs, enabled: this.enabledIn(name) })));
    results.forEach((r, i) => {
      const name = names[i]!;
      if (r.status === 'fulfilled') {
        if (this.failing.delete(name)) this.settings.logger.info({ scraper: name }, 'Host metrics scraper works again.');
        if (r.value.length > 0) scopeMetrics.push({ scope: { name: `switchyard/hostmetrics/${name}`, version: '', attributes: {} }, metrics: r.value, schemaUrl: '' });
        return;
      }
      this.settings.health.reportError(r.reason);
      if (!this.failing.has(name)) this.settings.logger.warn({ scraper: name, err: r.reason }, 'Host metrics scraper failed; its metrics are left out until it works again.');
      this.failing.add(name);
    });
    if (this.failing.size === 0) this.settings.health.reportOk();
    return { resourceMetrics: [{ resource: { attributes: { 'host.name': hostname(), 'os.type': 'linux' } }, scopeMetrics, schemaUrl: '' }] };
  }

  private scrape(name: ScraperName, ctx: ScrapeContext): Promise<Metric[]> {
    const s = this.config.scrapers;
    switch (name) {
      case 'cpu':
        return scrapeCpu(ctx);
      case 'memory':
        return scrapeMemory(ctx);
      case 'load':
        return scrapeLoad(ctx, s.load!, availableParallelism());
      case 'processes':
        return scrapeProcesses(ctx);
      case 'disk':
        return scrapeDisk(ctx, kept(s.disk!.include, s.disk!.exclude));
      case 'network':
        return scrapeNetwork(ctx, kept(s.network!.include, s.network!.exclude));
      case 'filesystem': {
        const f = s.filesystem!;
        const device = kept(f.include_devices, f.exclude_devices);
        const type = kept(f.include_fs_types, f.exclude_fs_types);
        const mountpoint = kept(f.include_mount_points, f.exclude_mount_points);
        return scrapeFilesystem(ctx, { virtual: f.include_virtual_filesystems, keep: (m) => device(m.device) && type(m.type) && mountpoint(m.mountpoint) });
      }
    }
  }

  /** Whether a metric of scraper `name` is on: its `metrics:` setting, else its default. */
  private enabledIn(name: ScraperName): (metric: string) => boolean {
    return (metric) => metricEnabled(this.config, name, metric);
  }

  private tick(): void {
    if (this.stopped) return;
    // Each collection one request of the detailed-level histograms (no body: no size).
    this.running = this.settings.telemetry.timedIntake('metrics', 'scrape', () => this.collectAndSend()).finally(() => {
      this.running = undefined;
      if (!this.stopped) this.timer = setTimeout(() => this.tick(), this.config.collection_interval);
    });
  }

  private async collectAndSend(): Promise<void> {
    const consumer = this.next.metrics;
    if (!consumer) return;
    let batch: MetricsBatch;
    const started = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    try {
      batch = await this.collect();
    } catch (error) {
      this.settings.health.reportError(error);
      return;
    }
    // What one collection costs, for /health/detailed: wall time and this process's CPU time.
    const used = process.cpuUsage(cpu);
    this.settings.health.setDetail('last_collection', { wall_ms: Number(process.hrtime.bigint() - started) / 1e6, cpu_ms: (used.user + used.system) / 1000 });
    const points = countDataPoints(batch);
    if (points === 0) return;
    try {
      await consumer.consumeMetrics(batch);
      this.settings.telemetry.accepted('metrics', 'scrape', points);
    } catch (error) {
      this.settings.telemetry.refused('metrics', 'scrape', points, 'pipeline_refused');
      this.settings.logger.debug({ err: error }, 'A host metrics collection was refused downstream; the next one follows at the next interval.');
    }
  }
}
