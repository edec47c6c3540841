import type { NameFlow } from '../../src/component/name-flow.ts';
import { SCRAPER_METRICS, type HostmetricsReceiverConfig, type ScraperName } from './config.ts';

/** Whether metric `metric` of scraper `name` is on: its `metrics:` setting, else its default. */
export function metricEnabled(config: HostmetricsReceiverConfig, name: ScraperName, metric: string): boolean {
  return config.scrapers[name]?.metrics[metric]?.enabled ?? SCRAPER_METRICS[name][metric]?.enabled ?? false;
}

/** The names `hostmetrics` emits, as its config says: every enabled metric of every configured scraper (labels not declared). */
export function hostmetricsNames(config: HostmetricsReceiverConfig): NameFlow {
  const known = new Map<string, undefined>();
  for (const name of Object.keys(SCRAPER_METRICS) as ScraperName[]) {
    if (config.scrapers[name] === undefined) continue;
    for (const metric of Object.keys(SCRAPER_METRICS[name])) if (metricEnabled(config, name, metric)) known.set(metric, undefined);
  }
  return { known, open: [] };
}
