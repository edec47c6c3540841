import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './prometheus-server.ts';

/** Debian installs the daemon in /usr/sbin, which a non-login shell's PATH may lack. */
const NATS_SERVER = existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server';

export interface NatsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Starts Debian's `nats-server -js` on a free loopback port with its own storage folder, and resolves
 * once it logs that it is ready; `close` stops it and removes the storage. `config`: the text of a
 * server config file (e.g. `max_payload: 65536`), for settings that have no command-line flag.
 */
export async function startNatsServer(timeoutMs = 15_000, config?: string): Promise<NatsServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-nats-'));
  const args = ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir];
  if (config !== undefined) {
    writeFileSync(join(dir, 'server.conf'), config);
    args.push('-c', join(dir, 'server.conf'));
  }
  const child: ChildProcess = spawn(NATS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nats-server not ready within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (d: Buffer) => {
      output += d.toString();
      if (output.includes('Server is ready')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', (e) => (clearTimeout(timer), reject(new Error(`cannot start nats-server (apt-get install nats-server): ${e.message}`))));
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`nats-server exited with ${code}:\n${output}`))));
  });
  return {
    url: `nats://127.0.0.1:${port}`,
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
