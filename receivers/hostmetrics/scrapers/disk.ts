import { readFile } from 'node:fs/promises';
import type { Metric } from '../../../src/model/metrics.ts';
import { emit, fieldLines, Points, type MetricInfo, type ScrapeContext } from './metric.ts';

export const DISK_METRICS: Readonly<Record<string, MetricInfo>> = {
  'system.disk.io': { unit: 'By', description: 'Disk bytes transferred.', kind: 'counter', enabled: true },
  'system.disk.operations': { unit: '{operations}', description: 'Disk operations count.', kind: 'counter', enabled: true },
  'system.disk.io_time': { unit: 's', description: 'Time disk spent activated.', kind: 'counter', enabled: true },
  'system.disk.operation_time': { unit: 's', description: 'Time spent in disk operations.', kind: 'counter', enabled: true },
  'system.disk.merged': { unit: '{operations}', description: 'The number of disk reads/writes merged into single physical disk access operations.', kind: 'counter', enabled: true },
  'system.disk.pending_operations': { unit: '{operations}', description: 'The queue size of pending I/O operations.', kind: 'updown', enabled: true },
};

/** The kernel counts sectors of 512 bytes in /proc/diskstats whatever the device's own sector size. */
const SECTOR_BYTES = 512;

export interface DiskStats {
  device: string;
  reads: number;
  readsMerged: number;
  readBytes: number;
  readSeconds: number;
  writes: number;
  writesMerged: number;
  writtenBytes: number;
  writeSeconds: number;
  inProgress: number;
  ioSeconds: number;
}

/** The lines of `/proc/diskstats` (fields as in the kernel's Documentation/admin-guide/iostats.rst). */
export function parseDiskstats(text: string): DiskStats[] {
  return fieldLines(text)
    .filter((f) => f.length >= 14)
    .map((f) => {
      const n = (i: number) => Number(f[i]);
      return {
        device: f[2]!,
        reads: n(3),
        readsMerged: n(4),
        readBytes: n(5) * SECTOR_BYTES,
        readSeconds: n(6) / 1000,
        writes: n(7),
        writesMerged: n(8),
        writtenBytes: n(9) * SECTOR_BYTES,
        writeSeconds: n(10) / 1000,
        inProgress: n(11),
        ioSeconds: n(12) / 1000,
      };
    });
}

export async function scrapeDisk(ctx: ScrapeContext, keep: (device: string) => boolean): Promise<Metric[]> {
  const disks = parseDiskstats(await readFile(`${ctx.procDir}/diskstats`, 'utf8')).filter((d) => keep(d.device));
  const counter = () => new Points(ctx.bootNs, ctx.nowNs);
  const [io, ops, ioTime, opTime, merged] = [counter(), counter(), counter(), counter(), counter()];
  const pending = new Points(0, ctx.nowNs);
  for (const d of disks) {
    const read = { device: d.device, direction: 'read' };
    const write = { device: d.device, direction: 'write' };
    io.add(d.readBytes, read).add(d.writtenBytes, write);
    ops.add(d.reads, read).add(d.writes, write);
    opTime.add(d.readSeconds, read).add(d.writeSeconds, write);
    merged.add(d.readsMerged, read).add(d.writesMerged, write);
    ioTime.add(d.ioSeconds, { device: d.device });
    pending.add(d.inProgress, { device: d.device });
  }
  return emit(ctx, DISK_METRICS, {
    'system.disk.io': io.points,
    'system.disk.operations': ops.points,
    'system.disk.io_time': ioTime.points,
    'system.disk.operation_time': opTime.points,
    'system.disk.merged': merged.points,
    'system.disk.pending_operations': pending.points,
  });
}
