import { readFile } from 'node:fs/promises';
import type { Metric } from '../../../src/model/metrics.ts';
import { emit, fieldLines, Points, type MetricInfo, type ScrapeContext } from './metric.ts';

export const PROCESSES_METRICS: Readonly<Record<string, MetricInfo>> = {
  'system.processes.count': { unit: '{processes}', description: 'Total number of processes in each state.', kind: 'updown', enabled: true },
  'system.processes.created': { unit: '{processes}', description: 'Total number of created processes.', kind: 'counter', enabled: true },
};

/** The process figures of `/proc/stat`: running and blocked now, created since boot; and the boot time (s). */
export function parseProcStat(stat: string): { running: number; blocked: number; created: number; bootSeconds: number } {
  const v: Record<string, number> = {};
  for (const f of fieldLines(stat)) if (f.length === 2) v[f[0]!] = Number(f[1]);
  return { running: v.procs_running ?? 0, blocked: v.procs_blocked ?? 0, created: v.processes ?? 0, bootSeconds: v.btime ?? 0 };
}

/** As the Collector on Linux: the states `/proc/stat` counts (running, blocked), and forks since boot. */
export async function scrapeProcesses(ctx: ScrapeContext): Promise<Metric[]> {
  const s = parseProcStat(await readFile(`${ctx.procDir}/stat`, 'utf8'));
  return emit(ctx, PROCESSES_METRICS, {
    'system.processes.count': new Points(0, ctx.nowNs).add(s.running, { status: 'running' }).add(s.blocked, { status: 'blocked' }).points,
    'system.processes.created': new Points(ctx.bootNs, ctx.nowNs).add(s.created).points,
  });
}
