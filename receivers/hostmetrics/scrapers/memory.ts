import { readFile } from 'node:fs/promises';
import type { Metric } from '../../../src/model/metrics.ts';
import { emit, fieldLines, Points, type MetricInfo, type ScrapeContext } from './metric.ts';

export const MEMORY_METRICS: Readonly<Record<string, MetricInfo>> = {
  'system.memory.usage': { unit: 'By', description: 'Bytes of memory in use, by state.', kind: 'updown', enabled: true },
  'system.memory.utilization': { unit: '1', description: 'Share of memory in use, by state.', kind: 'gauge', enabled: false },
  'system.memory.limit': { unit: 'By', description: 'Total bytes of memory available (MemTotal).', kind: 'updown', enabled: false },
  'system.linux.memory.available': { unit: 'By', description: 'An estimate of the memory available for new work without swapping (MemAvailable).', kind: 'updown', enabled: false },
};

/** `/proc/meminfo` as bytes by field name (`MemTotal`, `MemAvailable`, …). */
export function parseMeminfo(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of fieldLines(text)) {
    const key = f[0]!.replace(/:$/, '');
    out[key] = Number(f[1]) * (f[2] === 'kB' ? 1024 : 1);
  }
  return out;
}

/**
 * The Collector's states on Linux (as gopsutil computes them): `cached` counts the page cache and the
 * reclaimable slab, `used` is the rest of what is not free, buffers or cached; used + free + buffered +
 * cached = MemTotal. The slab states are reported beside them and overlap used and cached.
 */
export function memoryStates(m: Record<string, number>): Record<string, number> {
  const total = m.MemTotal ?? 0;
  const free = m.MemFree ?? 0;
  const buffered = m.Buffers ?? 0;
  const cached = (m.Cached ?? 0) + (m.SReclaimable ?? 0);
  return {
    used: total - free - buffered - cached,
    free,
    buffered,
    cached,
    slab_reclaimable: m.SReclaimable ?? 0,
    slab_unreclaimable: m.SUnreclaim ?? 0,
  };
}

export async function scrapeMemory(ctx: ScrapeContext): Promise<Metric[]> {
  const m = parseMeminfo(await readFile(`${ctx.procDir}/meminfo`, 'utf8'));
  const usage = new Points(0, ctx.nowNs);
  const utilization = new Points(0, ctx.nowNs);
  const total = m.MemTotal ?? 0;
  for (const [state, bytes] of Object.entries(memoryStates(m))) {
    usage.add(bytes, { state });
    if (total > 0) utilization.add(bytes / total, { state });
  }
  return emit(ctx, MEMORY_METRICS, {
    'system.memory.usage': usage.points,
    'system.memory.utilization': utilization.points,
    'system.memory.limit': new Points(0, ctx.nowNs).add(total).points,
    'system.linux.memory.available': m.MemAvailable === undefined ? [] : new Points(0, ctx.nowNs).add(m.MemAvailable).points,
  });
}
