/**
 * The Collector testbed's metrics row: the real gateway process (`bin/switchyard.js run` on the shipped
 * config/gateway.yaml, every port free) under 10,000 points a second from a separate load process,
 * measured from outside through /proc: CPU % of one core over the load, RSS idle before it, and the
 * process's peak RSS (VmHWM). `SWITCHYARD_TESTBED_SECONDS` shortens the 60 s run for a quick look.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startGateway } from '../test/helpers/gateway-process.ts';
import { FREE_PORTS_ENV } from '../test/helpers/free-ports-env.ts';
import type { Row } from './decode.ts';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** A field of /proc/PID/status in MiB (VmRSS: now; VmHWM: the peak). */
function statusMiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`))!;
  return Number(line.split(/\s+/)[1]) / 1024;
}

export interface TestbedFigures {
  idleRssMiB: number;
  idleCpuPercent: number;
  loadCpuPercent: number;
  loadRssMiB: number;
  peakRssMiB: number;
  seconds: number;
}

export async function runTestbed(seconds = Number(process.env.SWITCHYARD_TESTBED_SECONDS ?? 60)): Promise<TestbedFigures> {
  const queueDir = mkdtempSync(join(tmpdir(), 'switchyard-testbed-'));
  const gateway = await startGateway('config/gateway.yaml', { ...FREE_PORTS_ENV, SWITCHYARD_QUEUE_DIR: queueDir }, 120_000);
  const pid = gateway.child.pid!;
  try {
    // Idle: settled after start, then 10 s of nothing.
    await sleep(3000);
    const idleCpu0 = cpuSeconds(pid);
    await sleep(10_000);
    const idleCpuPercent = ((cpuSeconds(pid) - idleCpu0) / 10) * 100;
    const idleRssMiB = statusMiB(pid, 'VmRSS');

    const load = spawn(process.execPath, ['--import', 'tsx', 'bench/testbed-load.ts', `http://${gateway.endpoints['otlp.http']}/v1/metrics`, String(seconds)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    load.stdout.on('data', (d: Buffer) => (out += d.toString()));
    // The window opens with the first request (the load process builds its body first).
    while (!out.includes('start\n') && load.exitCode === null) await sleep(20);
    const cpu0 = cpuSeconds(pid);
    const t0 = performance.now();
    let loadRssMiB = 0;
    while (load.exitCode === null) {
      await sleep(500);
      loadRssMiB = Math.max(loadRssMiB, statusMiB(pid, 'VmRSS'));
    }
    const loadCpuPercent = ((cpuSeconds(pid) - cpu0) / ((performance.now() - t0) / 1000)) * 100;
    const summary = JSON.parse(out.slice(out.indexOf('\n') + 1)) as { sent: number; failed: number };
    if (summary.failed > 0) throw new Error(`testbed: the gateway refused ${summary.failed} points`);
    return { idleRssMiB, idleCpuPercent, loadCpuPercent, loadRssMiB, peakRssMiB: statusMiB(pid, 'VmHWM'), seconds };
  } finally {
    await gateway.stop();
    rmSync(queueDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await runTestbed());

export async function benchTestbed(): Promise<Row[]> {
  const t = await runTestbed();
  return [
    { name: `testbed: 10,000 points/s for ${t.seconds} s from a separate process (config/gateway.yaml), CPU of one core`, key: 'testbed_cpu_percent', value: Number(t.loadCpuPercent.toFixed(2)), unit: '% of a core', note: `target ≤ 3%; idle ${t.idleCpuPercent.toFixed(2)}%` },
    { name: 'testbed: peak RSS of the gateway process (VmHWM)', key: 'testbed_peak_rss_mib', value: Number(t.peakRssMiB.toFixed(1)), unit: 'MiB', note: `target ≤ 100 MiB; highest RSS seen under the load ${t.loadRssMiB.toFixed(1)} MiB` },
    { name: 'idle RSS of the gateway process (config/gateway.yaml, no traffic, 13 s after start)', key: 'idle_rss_mib', value: Number(t.idleRssMiB.toFixed(1)), unit: 'MiB' },
  ];
}
