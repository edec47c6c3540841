import { readFile } from 'node:fs/promises';
import type { Metric } from '../../../src/model/metrics.ts';
import { emit, Points, type MetricInfo, type ScrapeContext } from './metric.ts';

export const LOAD_METRICS: Readonly<Record<string, MetricInfo>> = {
  'system.cpu.load_average.1m': { unit: '{thread}', description: 'Average CPU load over 1 minute.', kind: 'gauge', enabled: true },
  'system.cpu.load_average.5m': { unit: '{thread}', description: 'Average CPU load over 5 minutes.', kind: 'gauge', enabled: true },
  'system.cpu.load_average.15m': { unit: '{thread}', description: 'Average CPU load over 15 minutes.', kind: 'gauge', enabled: true },
};

/** The three load averages of `/proc/loadavg`. */
export function parseLoadavg(text: string): [number, number, number] {
  const f = text.trim().split(/\s+/);
  return [Number(f[0]), Number(f[1]), Number(f[2])];
}

export async function scrapeLoad(ctx: ScrapeContext, config: { cpu_average: boolean }, cpus: number): Promise<Metric[]> {
  // cpu_average (the Collector's option): divided by the number of logical CPUs.
  const by = config.cpu_average && cpus > 0 ? cpus : 1;
  const [l1, l5, l15] = parseLoadavg(await readFile(`${ctx.procDir}/loadavg`, 'utf8'));
  const one = (v: number) => new Points(0, ctx.nowNs).add(v / by).points;
  return emit(ctx, LOAD_METRICS, { 'system.cpu.load_average.1m': one(l1), 'system.cpu.load_average.5m': one(l5), 'system.cpu.load_average.15m': one(l15) });
}
