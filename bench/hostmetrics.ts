/**
 * What one `hostmetrics` collection costs: this process's CPU time and wall time per collection of every
 * scraper, beside reading /proc/stat alone (the least any collection does), on this host.
 * Standalone: `node --import tsx bench/hostmetrics.ts` prints the table.
 */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { countDataPoints } from '../src/model/metrics.ts';
import { hostmetricsReceiverConfigSchema } from '../receivers/hostmetrics/config.ts';
import { HostmetricsReceiver } from '../receivers/hostmetrics/hostmetrics-receiver.ts';
import { silentSettings } from '../test/helpers/silent-settings.ts';
import type { Row } from './decode.ts';

async function cost(fn: () => Promise<unknown>, n: number): Promise<{ cpuMs: number; wallMs: number }> {
  for (let i = 0; i < 20; i++) await fn();
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < n; i++) await fn();
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000 / n, wallMs: (performance.now() - start) / n };
}

export async function benchHostmetrics(): Promise<Row[]> {
  const all = { cpu: null, memory: { metrics: { 'system.memory.limit': { enabled: true }, 'system.linux.memory.available': { enabled: true } } }, load: null, filesystem: null, disk: null, network: null, processes: null };
  const receiver = new HostmetricsReceiver(silentSettings('hostmetrics'), hostmetricsReceiverConfigSchema.parse({ scrapers: all }), {});
  const points = countDataPoints(await receiver.collect());
  const whole = await cost(() => receiver.collect(), 300);
  const stat = await cost(() => readFile('/proc/stat', 'utf8'), 300);
  return [
    { name: 'hostmetrics: one collection, every scraper (CPU time)', value: Number(whole.cpuMs.toFixed(2)), unit: 'ms', note: `${points} points; at a 15 s interval ${((whole.cpuMs / 15_000) * 100).toFixed(3)}% of a core` },
    { name: 'hostmetrics: one collection, every scraper (wall time)', value: Number(whole.wallMs.toFixed(2)), unit: 'ms', note: '' },
    { name: 'reading /proc/stat alone (the baseline)', value: Number(stat.cpuMs.toFixed(3)), unit: 'ms CPU', note: `a collection costs ${(whole.cpuMs / stat.cpuMs).toFixed(1)}× this` },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await benchHostmetrics();
  console.table(rows.map((r) => ({ name: r.name, value: r.value.toLocaleString('en-US'), unit: r.unit, note: r.note ?? '' })));
}
