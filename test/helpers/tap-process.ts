import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from './gateway-process.ts';
import { eventually } from './prometheus-server.ts';

const BIN = fileURLToPath(new URL('../../bin/switchyard.js', import.meta.url));

/** `switchyard tap …` as its own process; resolves once the gateway has attached the tap. */
export async function startTap(args: string[]) {
  const child = spawn(process.execPath, [BIN, 'tap', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await eventually(async () => (stderr.includes('tapping ') || stdout.includes('"type":"tap"') ? true : child.exitCode !== null ? Promise.reject(new Error(stderr)) : undefined), 20_000, 'the tap attached');
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}
