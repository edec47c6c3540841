import { readFileSync, statfsSync } from 'node:fs';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FREE_PORTS_ENV } from '../helpers/free-ports-env.ts';
import { startGateway, type GatewayProcess } from '../helpers/gateway-process.ts';
import { parse as parseYaml } from 'yaml';
import { eventually, startPrometheus } from '../helpers/prometheus-server.ts';
import { find, parseExposition, promtoolCheckMetrics, valueOf, type Sample } from '../helpers/prom-text.ts';

/** /proc/stat's per-CPU seconds by "cpuN mode" (node-exporter's mode names), as the kernel counts them (USER_HZ = 100). */
function procCpuSeconds(): Map<string, number> {
  const modes = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'];
  const out = new Map<string, number>();
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (!/^cpu\d+$/.test(f[0]!)) continue;
    modes.forEach((mode, i) => out.set(`${f[0]} ${mode}`, Number(f[i + 1]) / 100));
  }
  return out;
}

function procMeminfo(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of readFileSync('/proc/meminfo', 'utf8').split('\n')) {
    const m = /^(\w+):\s+(\d+) kB$/.exec(line);
    if (m) out[m[1]!] = Number(m[2]) * 1024;
  }
  return out;
}

const INTERVAL_S = 1;

let gateway: GatewayProcess;
beforeAll(async () => {
  gateway = await startGateway('config/gateway.yaml', { ...FREE_PORTS_ENV, SWITCHYARD_LOG_PATH: 'stderr', PROMETHEUS_REMOTE_WRITE_URL: '', SWITCHYARD_HOSTMETRICS_INTERVAL: `${INTERVAL_S}s` });
});
afterAll(() => gateway?.stop());

async function scrape(): Promise<{ text: string; samples: Sample[] }> {
  const text = await (await fetch(`http://${gateway.endpoints.prometheus}/metrics`)).text();
  return { text, samples: parseExposition(text) };
}

describe('the shipped gateway serves its host as node-exporter would (pipelines/host-node-exporter.yaml)', () => {
  it('serves node-exporter’s names with job="node" and instance=<host name>, no system.* series, and promtool finds nothing but node-exporter’s own camelCase', async () => {
    const { text, samples } = await eventually(async () => {
      const s = await scrape();
      return find(s.samples, 'node_filesystem_size_bytes').length > 0 && find(s.samples, 'node_cpu_seconds_total').length > 0 ? s : undefined;
    });
    for (const name of ['node_cpu_seconds_total', 'node_memory_MemAvailable_bytes', 'node_memory_MemTotal_bytes', 'node_memory_MemFree_bytes', 'node_filesystem_avail_bytes', 'node_filesystem_size_bytes', 'node_load1', 'node_load5', 'node_load15', 'node_disk_read_bytes_total', 'node_network_receive_bytes_total', 'node_procs_running']) {
      const found = find(samples, name);
      expect(found.length, name).toBeGreaterThan(0);
      expect(found[0]!.labels, name).toMatchObject({ job: 'node', instance: hostname() });
    }
    expect(samples.filter((s) => s.name.startsWith('system_'))).toEqual([]);
    expect(Object.keys(find(samples, 'node_cpu_seconds_total')[0]!.labels).sort()).toEqual(['cpu', 'instance', 'job', 'mode']);
    expect(Object.keys(find(samples, 'node_filesystem_avail_bytes')[0]!.labels).sort()).toEqual(['device', 'fstype', 'instance', 'job', 'mountpoint']);
    const check = promtoolCheckMetrics(text);
    expect(check.problems).toEqual([]);
    expect([0, 3]).toContain(check.status);
  });

  it('reports each CPU’s seconds per mode between two /proc/stat readings taken around its last collection', async () => {
    // Tolerance: none beyond the counters' own growth. A reading of /proc/stat before a collection can be
    // no larger and one after the scrape no smaller than what the gateway collected in between, so every
    // (cpu, mode) must lie in [before, after]; waiting three intervals makes sure a collection fell inside.
    const before = procCpuSeconds();
    await new Promise((r) => setTimeout(r, 3000 * INTERVAL_S));
    const { samples } = await scrape();
    const after = procCpuSeconds();
    const served = find(samples, 'node_cpu_seconds_total');
    expect(served.length).toBe(before.size);
    for (const s of served) {
      const key = `${s.labels.cpu} ${s.labels.mode}`;
      expect(s.value, key).toBeGreaterThanOrEqual(before.get(key)!);
      expect(s.value, key).toBeLessThanOrEqual(after.get(key)!);
    }
    // The modes are not mixed up: a CPU's idle and user seconds differ by far more than 3 s on any host that has run a while.
    expect(new Set(served.map((s) => s.labels.mode))).toEqual(new Set(['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal']));
  });

  it('reports MemTotal exactly, and MemAvailable and MemFree within 2% of MemTotal of /proc/meminfo read around the scrape', async () => {
    // Tolerance: 2% of MemTotal, for what other processes allocate or free between the gateway's
    // collection and the test's readings (at most 1 s + the scrape apart).
    const before = procMeminfo();
    const { samples } = await scrape();
    const after = procMeminfo();
    expect(valueOf(samples, 'node_memory_MemTotal_bytes')).toBe(before.MemTotal);
    const tolerance = 0.02 * before.MemTotal!;
    for (const [name, field] of [['node_memory_MemAvailable_bytes', 'MemAvailable'], ['node_memory_MemFree_bytes', 'MemFree']] as const) {
      const v = valueOf(samples, name);
      expect(v, name).toBeGreaterThanOrEqual(Math.min(before[field]!, after[field]!) - tolerance);
      expect(v, name).toBeLessThanOrEqual(Math.max(before[field]!, after[field]!) + tolerance);
    }
  });

  it('drives seed 002’s CPU, memory and disk alerts (config/prometheus/alerts.yml) in a real Prometheus scraping it, to this host’s own figures', async () => {
    // The alerts' expressions without their thresholds: what each alert compares, per instance.
    const rules = (parseYaml(readFileSync('config/prometheus/alerts.yml', 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] }).groups.flatMap((g) => g.rules);
    const measure = (alert: string) => rules.find((r) => r.alert === alert)!.expr.trim().replace(/\s*>\s*\d+$/, '');
    const prometheus = await startPrometheus({ config: `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: gateway\n    honor_labels: true\n    static_configs:\n      - targets: ["${gateway.endpoints.prometheus}"]\n` });
    try {
      // CPU: a busy percentage per instance, once Prometheus holds two samples of the idle seconds.
      const cpu = await eventually(async () => {
        const r = await prometheus.query(measure('HostHighCpuUsage'));
        return r.length > 0 ? r : undefined;
      }, 20_000, 'the CPU alert’s figure');
      expect(cpu.map((s) => s.metric)).toEqual([{ instance: hostname() }]);
      const busy = Number(cpu[0]!.value[1]);
      expect(busy).toBeGreaterThanOrEqual(0);
      expect(busy).toBeLessThanOrEqual(100);
      // Memory: the percentage in use, as /proc/meminfo gives it now, within 2 points (other processes allocate meanwhile).
      const memory = await prometheus.query(measure('HostHighMemoryUsage'));
      expect(memory.map((s) => s.metric)).toEqual([{ instance: hostname(), job: 'node' }]);
      const m = procMeminfo();
      expect(Math.abs(Number(memory[0]!.value[1]) - 100 * (1 - m.MemAvailable! / m.MemTotal!))).toBeLessThanOrEqual(2);
      // Disk: every real filesystem, / among them, as full as statfs says within 1 point; no tmpfs.
      const disk = await prometheus.query(measure('HostDiskSpaceLow'));
      expect(disk.every((s) => s.metric.fstype !== 'tmpfs' && s.metric.instance === hostname())).toBe(true);
      const root = disk.find((s) => s.metric.mountpoint === '/');
      expect(root, 'the root filesystem').toBeDefined();
      const st = statfsSync('/');
      expect(Math.abs(Number(root!.value[1]) - 100 * (1 - st.bavail / st.blocks))).toBeLessThanOrEqual(1);
    } finally {
      await prometheus.close();
    }
  });

  it('reports the root filesystem’s size exactly and its available bytes within 1% of its size, from statfs', async () => {
    const { samples } = await scrape();
    const st = statfsSync('/');
    const size = valueOf(samples, 'node_filesystem_size_bytes', { mountpoint: '/' });
    expect(size).toBe(st.blocks * st.bsize);
    expect(Math.abs(valueOf(samples, 'node_filesystem_avail_bytes', { mountpoint: '/' }) - st.bavail * st.bsize)).toBeLessThanOrEqual(0.01 * size);
  });
});
