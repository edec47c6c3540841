import { statfsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hostmetricsReceiverConfigSchema } from '../../../receivers/hostmetrics/config.ts';
import { HostmetricsReceiver } from '../../../receivers/hostmetrics/hostmetrics-receiver.ts';
import { parseCpuTimes } from '../../../receivers/hostmetrics/scrapers/cpu.ts';
import { parseDiskstats } from '../../../receivers/hostmetrics/scrapers/disk.ts';
import { fsUsage, parseMounts, parseVirtualTypes } from '../../../receivers/hostmetrics/scrapers/filesystem.ts';
import { memoryStates, parseMeminfo } from '../../../receivers/hostmetrics/scrapers/memory.ts';
import { parseNetDev } from '../../../receivers/hostmetrics/scrapers/network.ts';
import { parseProcStat } from '../../../receivers/hostmetrics/scrapers/processes.ts';
import type { Metric } from '../../../src/model/metrics.ts';
import { silentSettings } from '../../helpers/silent-settings.ts';
import { tempFiles } from '../../helpers/temp-files.ts';

const STAT = `cpu  41178 0 25927 91551 104 0 483 0 0 0
cpu0 20306 3 12865 46397 21 7 95 1 0 0
cpu1 20872 0 13061 45153 82 0 388 0 0 0
intr 1 2 3
btime 1796455831
processes 8410
procs_running 30
procs_blocked 2
`;

describe('hostmetrics scrapers read /proc as the Collector does', () => {
  it('reads each logical CPU of /proc/stat in seconds with the Collector’s state names', () => {
    const cpus = parseCpuTimes(STAT);
    expect(cpus.map((c) => c.cpu)).toEqual(['cpu0', 'cpu1']);
    expect(cpus[0]!.seconds).toEqual({ user: 203.06, nice: 0.03, system: 128.65, idle: 463.97, wait: 0.21, interrupt: 0.07, softirq: 0.95, steal: 0.01 });
  });

  it('reads process counts, forks and boot time from /proc/stat', () => {
    expect(parseProcStat(STAT)).toEqual({ running: 30, blocked: 2, created: 8410, bootSeconds: 1796455831 });
  });

  it('splits memory into states that add up to MemTotal, cached including the reclaimable slab', () => {
    const m = parseMeminfo('MemTotal:  1000 kB\nMemFree: 100 kB\nMemAvailable: 600 kB\nBuffers: 50 kB\nCached: 300 kB\nSReclaimable: 40 kB\nSUnreclaim: 10 kB\nHugePages_Total: 0\n');
    expect(m.MemAvailable).toBe(600 * 1024);
    expect(m.HugePages_Total).toBe(0);
    const s = memoryStates(m);
    expect(s).toEqual({ used: 510 * 1024, free: 100 * 1024, buffered: 50 * 1024, cached: 340 * 1024, slab_reclaimable: 40 * 1024, slab_unreclaimable: 10 * 1024 });
    expect(s.used! + s.free! + s.buffered! + s.cached!).toBe(m.MemTotal);
  });

  it('reads disk bytes as 512-byte sectors and times in seconds', () => {
    const [d] = parseDiskstats(' 254       0 vda 100 5 2048 300 200 6 4096 500 1 700 800 0 0 0 0\n');
    expect(d).toEqual({ device: 'vda', reads: 100, readsMerged: 5, readBytes: 2048 * 512, readSeconds: 0.3, writes: 200, writesMerged: 6, writtenBytes: 4096 * 512, writeSeconds: 0.5, inProgress: 1, ioSeconds: 0.7 });
  });

  it('reads receive and transmit columns of /proc/net/dev', () => {
    const text = 'Inter-|   Receive |  Transmit\n face |bytes packets errs drop fifo frame compressed multicast|bytes packets errs drop fifo colls carrier compressed\n  eth0: 1000 10 1 2 0 0 0 0 2000 20 3 4 0 0 0 0\n';
    expect(parseNetDev(text)).toEqual([{ device: 'eth0', receive: { bytes: 1000, packets: 10, errors: 1, dropped: 2 }, transmit: { bytes: 2000, packets: 20, errors: 3, dropped: 4 } }]);
  });

  it('decodes escaped mount points and knows virtual filesystem types', () => {
    expect(parseMounts('/dev/sdb1 /mnt/my\\040disk ext4 ro,relatime 0 0\n')).toEqual([{ device: '/dev/sdb1', mountpoint: '/mnt/my disk', type: 'ext4', mode: 'ro' }]);
    expect([...parseVirtualTypes('nodev\tsysfs\nnodev\ttmpfs\n\text4\n')]).toEqual(['sysfs', 'tmpfs']);
  });

  it('splits a filesystem into used, free (available to users) and reserved bytes', () => {
    expect(fsUsage({ bsize: 4096, blocks: 1000, bfree: 300, bavail: 250, files: 500, ffree: 120 })).toEqual({ used: 700 * 4096, free: 250 * 4096, reserved: 50 * 4096, inodesUsed: 380, inodesFree: 120 });
  });
});

describe('hostmetrics receiver config', () => {
  it('refuses a config with no scraper', () => {
    const r = hostmetricsReceiverConfigSchema.safeParse({ scrapers: {} });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error)).toContain('enable at least one scraper');
  });

  it('refuses a metric its scraper does not emit, naming the ones it does', () => {
    const r = hostmetricsReceiverConfigSchema.safeParse({ scrapers: { memory: { metrics: { 'system.cpu.time': { enabled: true } } } } });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['scrapers', 'memory', 'metrics', 'system.cpu.time']);
    expect(r.error!.issues[0]!.message).toContain('system.linux.memory.available');
  });

  it('refuses an invalid regular expression in a filter', () => {
    const r = hostmetricsReceiverConfigSchema.safeParse({ scrapers: { disk: { exclude: { devices: ['loop[0-9'], match_type: 'regexp' } } } });
    expect(r.error!.issues[0]!.path).toEqual(['scrapers', 'disk', 'exclude', 'devices', 0]);
  });
});

describe('hostmetrics receiver', () => {
  const collect = async (scrapers: unknown): Promise<Map<string, Metric>> => {
    const r = new HostmetricsReceiver(silentSettings('hostmetrics'), hostmetricsReceiverConfigSchema.parse({ scrapers }), {});
    const batch = await r.collect();
    return new Map(batch.resourceMetrics[0]!.scopeMetrics.flatMap((sm) => sm.metrics).map((m) => [m.name, m]));
  };

  it('emits this host’s metrics under the Collector’s names, optional ones only when enabled', async () => {
    const m = await collect({ cpu: null, memory: null, load: null, filesystem: null, disk: null, network: null, processes: null });
    for (const name of ['system.cpu.time', 'system.memory.usage', 'system.cpu.load_average.1m', 'system.cpu.load_average.15m', 'system.filesystem.usage', 'system.disk.io', 'system.network.io', 'system.processes.count']) expect(m.has(name), name).toBe(true);
    expect(m.has('system.memory.limit')).toBe(false);
    const cpu = m.get('system.cpu.time')!;
    expect(cpu.type === 'sum' && cpu.monotonic && cpu.temporality === 'cumulative').toBe(true);
    expect(cpu.unit).toBe('s');
    expect(Object.keys(cpu.points[0]!.attributes).sort()).toEqual(['cpu', 'state']);
    const fs = m.get('system.filesystem.usage')!;
    expect(Object.keys(fs.points[0]!.attributes).sort()).toEqual(['device', 'mode', 'mountpoint', 'state', 'type']);
    expect(fs.points.some((p) => p.attributes.mountpoint === '/')).toBe(true);
    expect(fs.points.some((p) => p.attributes.type === 'proc' || p.attributes.type === 'sysfs')).toBe(false);
  });

  it('turns optional metrics on and defaults off through metrics: { name: { enabled } }', async () => {
    const m = await collect({ memory: { metrics: { 'system.memory.limit': { enabled: true }, 'system.memory.usage': { enabled: false } } } });
    expect([...m.keys()]).toEqual(['system.memory.limit']);
  });

  it('leaves out excluded devices', async () => {
    const m = await collect({ network: { exclude: { interfaces: ['^lo$'], match_type: 'regexp' } } });
    expect(m.get('system.network.io')?.points.some((p) => p.attributes.device === 'lo') ?? false).toBe(false);
  });
});

describe('hostmetrics receiver schedule', () => {
  it('collects after initial_delay, then every collection_interval, reports each collection’s cost, and stops on shutdown', async () => {
    const sent: number[] = [];
    const settings = silentSettings('hostmetrics');
    const config = hostmetricsReceiverConfigSchema.parse({ collection_interval: '300ms', initial_delay: '50ms', scrapers: { load: null } });
    const r = new HostmetricsReceiver(settings, config, { metrics: { consumeMetrics: async () => void sent.push(Date.now()) } });
    const started = Date.now();
    await r.start();
    await new Promise((res) => setTimeout(res, 1_100));
    await r.shutdown();
    const count = sent.length;
    // 50 ms, then about 350, 650 and 950 ms: three or four collections on a busy machine, never more.
    expect(count).toBeGreaterThanOrEqual(3);
    expect(count).toBeLessThanOrEqual(4);
    expect(sent[0]! - started).toBeGreaterThanOrEqual(45);
    for (let i = 1; i < count; i++) expect(sent[i]! - sent[i - 1]!, `gap ${i}`).toBeGreaterThanOrEqual(295);
    expect(settings.details.last_collection).toEqual({ wall_ms: expect.any(Number), cpu_ms: expect.any(Number) });
    await new Promise((res) => setTimeout(res, 400));
    expect(sent).toHaveLength(count);
  });
});

describe('hostmetrics receiver under a root_path (the host mounted into a container)', () => {
  it('reads /proc under root_path, the host’s mount table, and statfs’s mount points under root_path', async () => {
    const files = tempFiles({
      'proc/stat': STAT,
      'proc/meminfo': 'MemTotal: 1000 kB\nMemFree: 100 kB\nMemAvailable: 600 kB\nBuffers: 50 kB\nCached: 300 kB\nSReclaimable: 40 kB\nSUnreclaim: 10 kB\n',
      'proc/loadavg': '0.50 0.25 0.10 1/100 42\n',
      'proc/1/mounts': '/dev/host1 / ext4 rw,relatime 0 0\nproc /proc proc rw 0 0\n',
      'proc/filesystems': 'nodev\tproc\n\text4\n',
    });
    try {
      const config = hostmetricsReceiverConfigSchema.parse({ root_path: `${files.dir}/`, scrapers: { cpu: null, memory: { metrics: { 'system.memory.limit': { enabled: true } } }, load: null, filesystem: null, processes: null } });
      const batch = await new HostmetricsReceiver(silentSettings('hostmetrics'), config, {}).collect();
      const m = new Map(batch.resourceMetrics[0]!.scopeMetrics.flatMap((sm) => sm.metrics).map((x) => [x.name, x.points as { attributes: Record<string, unknown>; value: number; startTimeUnixNano: number }[]]));
      expect(m.get('system.cpu.time')!.find((p) => p.attributes.cpu === 'cpu1' && p.attributes.state === 'idle')!.value).toBe(451.53);
      expect(m.get('system.cpu.time')![0]!.startTimeUnixNano).toBe(1796455831e9);
      expect(m.get('system.memory.limit')![0]!.value).toBe(1000 * 1024);
      expect(m.get('system.cpu.load_average.5m')![0]!.value).toBe(0.25);
      expect(m.get('system.processes.count')!.map((p) => [p.attributes.status, p.value])).toEqual([['running', 30], ['blocked', 2]]);
      const fs = m.get('system.filesystem.usage')!;
      expect(new Set(fs.map((p) => p.attributes.device))).toEqual(new Set(['/dev/host1']));
      const st = statfsSync(files.dir);
      expect(fs.reduce((a, p) => a + p.value, 0)).toBe(st.blocks * st.bsize);
    } finally {
      files.cleanup();
    }
  });
});
