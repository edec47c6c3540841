import { readFile } from 'node:fs/promises';
import type { Metric } from '../../../src/model/metrics.ts';
import { emit, Points, type MetricInfo, type ScrapeContext } from './metric.ts';

export const NETWORK_METRICS: Readonly<Record<string, MetricInfo>> = {
  'system.network.io': { unit: 'By', description: 'The number of bytes transmitted and received.', kind: 'counter', enabled: true },
  'system.network.packets': { unit: '{packets}', description: 'The number of packets transferred.', kind: 'counter', enabled: true },
  'system.network.errors': { unit: '{errors}', description: 'The number of errors encountered.', kind: 'counter', enabled: true },
  'system.network.dropped': { unit: '{packets}', description: 'The number of packets dropped.', kind: 'counter', enabled: true },
};

export interface InterfaceStats {
  device: string;
  receive: { bytes: number; packets: number; errors: number; dropped: number };
  transmit: { bytes: number; packets: number; errors: number; dropped: number };
}

/** `/proc/net/dev`: after two header lines, `name: rx bytes packets errs drop fifo frame compressed multicast tx bytes packets errs drop …`. */
export function parseNetDev(text: string): InterfaceStats[] {
  const out: InterfaceStats[] = [];
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const f = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (f.length < 16) continue;
    out.push({
      device: line.slice(0, colon).trim(),
      receive: { bytes: f[0]!, packets: f[1]!, errors: f[2]!, dropped: f[3]! },
      transmit: { bytes: f[8]!, packets: f[9]!, errors: f[10]!, dropped: f[11]! },
    });
  }
  return out;
}

export async function scrapeNetwork(ctx: ScrapeContext, keep: (device: string) => boolean): Promise<Metric[]> {
  const ifaces = parseNetDev(await readFile(`${ctx.procDir}/net/dev`, 'utf8')).filter((i) => keep(i.device));
  const counter = () => new Points(ctx.bootNs, ctx.nowNs);
  const [io, packets, errors, dropped] = [counter(), counter(), counter(), counter()];
  for (const i of ifaces) {
    for (const direction of ['receive', 'transmit'] as const) {
      const a = { device: i.device, direction };
      io.add(i[direction].bytes, a);
      packets.add(i[direction].packets, a);
      errors.add(i[direction].errors, a);
      dropped.add(i[direction].dropped, a);
    }
  }
  return emit(ctx, NETWORK_METRICS, { 'system.network.io': io.points, 'system.network.packets': packets.points, 'system.network.errors': errors.points, 'system.network.dropped': dropped.points });
}
