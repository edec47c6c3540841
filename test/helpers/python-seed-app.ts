import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Debian's Python, where the python3-prometheus-client package installs (not a pyenv or venv python on the PATH). */
export const DEBIAN_PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./seed001_app.py', import.meta.url));

export interface PythonSeedApp {
  port: number;
  /** Counts one provider probe (and a failure unless `ok`). */
  probe(ok: boolean): Promise<void>;
  /** Stops the process (its counters are gone: a restart starts from zero, with new _created times). */
  close(): Promise<void>;
}

/** Seed 001's metrics module with the real prometheus_client (seed001_app.py), on `port` (0: a free one). */
export async function startPythonSeedApp(service: string, env: string, port = 0): Promise<PythonSeedApp> {
  const child = spawn(DEBIAN_PYTHON, [SCRIPT, service, env, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const listening = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`seed001_app.py did not start:\n${stderr}`)), 15_000);
    child.stdout!.on('data', (d: Buffer) => {
      const m = /listening (\d+)/.exec((out += d.toString()));
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`seed001_app.py exited:\n${stderr}`));
    });
  });
  return {
    port: listening,
    async probe(ok) {
      const res = await fetch(`http://127.0.0.1:${listening}/probe?ok=${ok ? 1 : 0}`, { method: 'POST' });
      if (res.status !== 204) throw new Error(`probe answered ${res.status}`);
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
