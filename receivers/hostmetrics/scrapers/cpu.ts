import { readFile } from 'node:fs/promises';
import { emit, fieldLines, Points, type MetricInfo, type ScrapeContext } from './metric.ts';
import type { Metric } from '../../../src/model/metrics.ts';

export const CPU_METRICS: Readonly<Record<string, MetricInfo>> = {
  'system.cpu.time': { unit: 's', description: 'Total seconds each logical CPU spent on each mode.', kind: 'counter', enabled: true },
  'system.cpu.logical.count': { unit: '{cpu}', description: 'Number of available logical CPUs.', kind: 'updown', enabled: false },
};

/**
 * The columns of a `/proc/stat` cpu line and the Collector's `state` for each (guest time is already
 * inside user and nice, so it is not a state of its own).
 */
const STATES = ['user', 'nice', 'system', 'idle', 'wait', 'interrupt', 'softirq', 'steal'] as const;

/** Linux reports CPU time in USER_HZ, fixed at 100 by its ABI on every architecture Node runs on. */
export const USER_HZ = 100;

export interface CpuTimes {
  /** `cpu0`, `cpu1`… as the Collector names them. */
  cpu: string;
  seconds: Record<(typeof STATES)[number], number>;
}

/** The per-CPU lines of `/proc/stat` (the aggregate `cpu` line is left out, as the Collector does). */
export function parseCpuTimes(stat: string): CpuTimes[] {
  const out: CpuTimes[] = [];
  for (const f of fieldLines(stat)) {
    if (!/^cpu\d+$/.test(f[0]!)) continue;
    const seconds = {} as CpuTimes['seconds'];
    STATES.forEach((state, i) => (seconds[state] = Number(f[i + 1] ?? 0) / USER_HZ));
    out.push({ cpu: f[0]!, seconds });
  }
  return out;
}

export async function scrapeCpu(ctx: ScrapeContext): Promise<Metric[]> {
  const cpus = parseCpuTimes(await readFile(`${ctx.procDir}/stat`, 'utf8'));
  const time = new Points(ctx.bootNs, ctx.nowNs);
  for (const c of cpus) for (const state of STATES) time.add(c.seconds[state], { cpu: c.cpu, state });
  const count = new Points(0, ctx.nowNs).add(cpus.length);
  return emit(ctx, CPU_METRICS, { 'system.cpu.time': time.points, 'system.cpu.logical.count': count.points });
}
