import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { missingMessage, missingPackages, onPath, SYSTEM_PACKAGES, type SystemPackage } from './system-packages.ts';

type Run = (argv: string[]) => SpawnSyncReturns<string>;

/** How apt-get is reached: directly as root, through passwordless sudo, or not at all (and why not). */
export type Installer = { run: Run } | { refused: string };

function detectInstaller(): Installer {
  if (process.env.SWITCHYARD_TEST_NO_INSTALL === '1') return { refused: 'SWITCHYARD_TEST_NO_INSTALL=1 forbids installing them' };
  if (!onPath('apt-get')) return { refused: 'this machine has no apt-get (these are Debian package names)' };
  const run: Run = (argv) => spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (process.getuid?.() === 0) return { run };
  if (onPath('sudo') && spawnSync('sudo', ['-n', 'true']).status === 0) return { run: (argv) => run(['sudo', '-n', ...argv]) };
  return { refused: 'npm test runs neither as root nor with passwordless sudo, so it cannot install them' };
}

// Other apt users (an unattended upgrade, a parallel test run) may hold the dpkg lock: wait for it.
const LOCK_WAIT = ['-o', 'DPkg::Lock::Timeout=180'];

function runOrThrow(run: Run, argv: string[], what: string): void {
  for (let attempt = 1; ; attempt++) {
    const r = run(argv);
    if (r.status === 0) return;
    // A lock held past the timeout (an apt lists lock on older apt) is worth another try; anything else is not.
    if (attempt === 3 || !/lock/i.test(r.stderr ?? '')) throw new Error(`${what} failed (exit ${r.status ?? r.signal}):\n${(r.stderr || r.stdout || String(r.error ?? '')).trim()}`);
    spawnSync('sleep', ['5']);
  }
}

/** An error vitest prints as its message alone: a stack into vitest's internals would bury the command to run. */
function plainError(message: string): Error {
  const error = new Error(message);
  error.stack = message;
  return error;
}

/**
 * Installs the missing packages of `packages` with apt-get when it can, or throws the message naming
 * the one command to run. Returns the packages it installed.
 */
export function ensureSystemPackages(
  packages: readonly SystemPackage[] = SYSTEM_PACKAGES,
  installer: Installer = detectInstaller(),
  say: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): SystemPackage[] {
  const missing = missingPackages(packages);
  if (missing.length === 0) return [];
  if ('refused' in installer) throw plainError(missingMessage(missing, installer.refused));

  const names = missing.map((p) => p.package);
  say(`Installing the Debian packages the tests need: ${names.join(' ')} (apt-get, once)`);
  runOrThrow(installer.run, ['apt-get', ...LOCK_WAIT, 'update', '-qq'], 'apt-get update');
  runOrThrow(installer.run, ['apt-get', ...LOCK_WAIT, 'install', '-y', '-qq', '--no-install-recommends', ...names], `apt-get install ${names.join(' ')}`);
  const still = missingPackages(missing);
  if (still.length > 0) throw plainError(missingMessage(still, 'apt-get installed them but their commands are still not on the PATH'));

  for (const p of missing) {
    // The package starts its service where an init system runs; tests start their own on free ports.
    if (p.startsService) installer.run(['sh', '-c', `systemctl stop ${p.startsService} >/dev/null 2>&1 || service ${p.startsService} stop >/dev/null 2>&1 || true`]);
  }
  return missing;
}

/** vitest globalSetup: runs once before any test file, for `npm test` and `npx vitest run FILE` alike. */
export default function setup(): void {
  ensureSystemPackages();
}
