import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/switchyard.js', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The node flags of bin/switchyard.js's `#!` line: a test gateway runs with the memory settings users get. */
export const GATEWAY_NODE_FLAGS = readFileSync(BIN, 'utf8').split('\n', 1)[0]!.split(/\s+/).filter((word) => word.startsWith('--'));

export interface GatewayProcess {
  child: ChildProcess;
  /** Addresses from the "Gateway started." log line: `admin`, `otlp.http`, `otlp.grpc`, `prometheus`, … */
  endpoints: Record<string, string>;
  /** Every log line so far, parsed. */
  logs: Record<string, unknown>[];
  stdout: () => string;
  /** Everything written on stderr so far, lines that are not JSON (`encoding: console`) included. */
  stderr: () => string;
  waitForLog(predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** SIGTERM, then the exit code (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<number | null>;
}

/**
 * The `--workers` every test gateway runs with: SWITCHYARD_TEST_WORKERS (e.g. 2, to run the whole
 * suite on worker threads), else 1, so that a test runs the same on any number of cores.
 */
export const TEST_WORKERS = process.env.SWITCHYARD_TEST_WORKERS ?? '1';

/**
 * Starts the real gateway (`bin/switchyard.js run`) and resolves once it logs "Gateway started.";
 * rejects with its stderr if it exits first. Ports come from the config (use 0 for free ones).
 * `--workers` is TEST_WORKERS unless `args` says otherwise.
 */
export async function startGateway(configFile: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 20_000, args: string[] = []): Promise<GatewayProcess> {
  const workers = args.includes('--workers') ? [] : ['--workers', TEST_WORKERS];
  // Each worker thread loads the component modules again: start-up takes about that many times as long.
  const count = Number(args.includes('--workers') ? args[args.indexOf('--workers') + 1] : TEST_WORKERS);
  const startTimeoutMs = timeoutMs * (Number.isInteger(count) && count > 1 ? count : 1);
  const child = spawn(process.execPath, [...GATEWAY_NODE_FLAGS, BIN, 'run', '--config', configFile, ...workers, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  let stdout = '';
  const waiters: { predicate: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  let pending = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    pending += d.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const text of lines) {
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        continue;
      }
      logs.push(line);
      for (const w of [...waiters]) {
        if (w.predicate(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const waitForLog = (predicate: (l: Record<string, unknown>) => boolean, ms = timeoutMs) => {
    const seen = logs.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching log line within ${ms} ms; stderr:\n${stderr}`)), ms);
      waiters.push({ predicate, resolve: (l) => (clearTimeout(timer), resolve(l)) });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`gateway exited with ${code} before the expected log line; stderr:\n${stderr}`));
      });
    });
  };

  const started = await waitForLog((l) => l.msg === 'Gateway started.', startTimeoutMs).catch(async (error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  return {
    child,
    endpoints: started.endpoints as Record<string, string>,
    logs,
    stdout: () => stdout,
    stderr: () => stderr,
    waitForLog,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Runs `bin/switchyard.js` with `args` to completion. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

/** One component's entry in the gateway's `/health/detailed` (`token`: the admin's bearer token, when it has auth). */
export async function componentStatus(admin: string, id: string, token?: string): Promise<{ state: string; details: Record<string, unknown>; lastError?: { message: string } | null }> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const detailed = (await (await fetch(`http://${admin}/health/detailed`, { headers })).json()) as { components: { id: string; state: string; details: Record<string, unknown>; lastError?: { message: string } | null }[] };
  const status = detailed.components.find((c) => c.id === id);
  if (!status) throw new Error(`no component ${id} in /health/detailed`);
  return status;
}
