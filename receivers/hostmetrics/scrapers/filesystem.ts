import { readFile, statfs } from 'node:fs/promises';
import type { Metric } from '../../../src/model/metrics.ts';
import { emit, fieldLines, Points, type MetricInfo, type ScrapeContext } from './metric.ts';

export const FILESYSTEM_METRICS: Readonly<Record<string, MetricInfo>> = {
  'system.filesystem.usage': { unit: 'By', description: 'Filesystem bytes used.', kind: 'updown', enabled: true },
  'system.filesystem.inodes.usage': { unit: '{inodes}', description: 'Filesystem inodes used.', kind: 'updown', enabled: true },
  'system.filesystem.utilization': { unit: '1', description: 'Fraction of filesystem bytes used.', kind: 'gauge', enabled: false },
};

export interface Mount {
  device: string;
  mountpoint: string;
  type: string;
  mode: 'ro' | 'rw';
}

/** `/proc/mounts` (octal escapes such as `\040` for a space decoded). */
export function parseMounts(text: string): Mount[] {
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return fieldLines(text)
    .filter((f) => f.length >= 4)
    .map((f) => ({ device: unescape(f[0]!), mountpoint: unescape(f[1]!), type: f[2]!, mode: f[3]!.split(',').includes('ro') ? 'ro' : 'rw' }));
}

/** The filesystem types `/proc/filesystems` marks `nodev`: virtual ones (proc, sysfs, tmpfs, cgroup, overlay…). */
export function parseVirtualTypes(text: string): Set<string> {
  return new Set(fieldLines(text).filter((f) => f[0] === 'nodev' && f[1]).map((f) => f[1]!));
}

export interface FsUsage {
  /** Bytes: used = (blocks − bfree)·bsize; free = bavail·bsize (what an unprivileged user can still write); reserved = the rest. */
  used: number;
  free: number;
  reserved: number;
  inodesUsed: number;
  inodesFree: number;
}

export function fsUsage(s: { bsize: number; blocks: number; bfree: number; bavail: number; files: number; ffree: number }): FsUsage {
  const total = s.blocks * s.bsize;
  const used = (s.blocks - s.bfree) * s.bsize;
  const free = s.bavail * s.bsize;
  return { used, free, reserved: total - used - free, inodesUsed: s.files - s.ffree, inodesFree: s.ffree };
}

export interface FilesystemFilter {
  /** Keep virtual filesystems (nodev types) too. */
  virtual: boolean;
  keep(m: Mount): boolean;
}

/**
 * statfs of every mounted filesystem the filter keeps, each mount point once (the first mount of it,
 * as listed). A mount that cannot be read (gone, no permission) is left out of this collection.
 */
export async function scrapeFilesystem(ctx: ScrapeContext, filter: FilesystemFilter): Promise<Metric[]> {
  // /proc/mounts is the reader's own mount table: under a root_path (the host's / in a container) the
  // host's is that of its init process, as the Collector reads it.
  const mountsFile = ctx.rootPath ? `${ctx.procDir}/1/mounts` : `${ctx.procDir}/self/mounts`;
  const [mountsText, fsText] = await Promise.all([readFile(mountsFile, 'utf8'), readFile(`${ctx.procDir}/filesystems`, 'utf8')]);
  const virtual = parseVirtualTypes(fsText);
  const seen = new Set<string>();
  const mounts = parseMounts(mountsText).filter((m) => {
    if (seen.has(m.mountpoint) || (!filter.virtual && virtual.has(m.type)) || !filter.keep(m)) return false;
    seen.add(m.mountpoint);
    return true;
  });
  const usages = await Promise.all(mounts.map((m) => statfs(`${ctx.rootPath}${m.mountpoint}`).then(fsUsage, () => undefined)));
  const usage = new Points(0, ctx.nowNs);
  const inodes = new Points(0, ctx.nowNs);
  const utilization = new Points(0, ctx.nowNs);
  mounts.forEach((m, i) => {
    const u = usages[i];
    if (!u) return;
    const a = { device: m.device, mode: m.mode, mountpoint: m.mountpoint, type: m.type };
    usage.add(u.used, { ...a, state: 'used' }).add(u.free, { ...a, state: 'free' }).add(u.reserved, { ...a, state: 'reserved' });
    inodes.add(u.inodesUsed, { ...a, state: 'used' }).add(u.inodesFree, { ...a, state: 'free' });
    const total = u.used + u.free + u.reserved;
    if (total > 0) utilization.add(u.used / total, a);
  });
  return emit(ctx, FILESYSTEM_METRICS, { 'system.filesystem.usage': usage.points, 'system.filesystem.inodes.usage': inodes.points, 'system.filesystem.utilization': utilization.points });
}
