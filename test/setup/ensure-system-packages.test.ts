import type { SpawnSyncReturns } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ensureSystemPackages } from './ensure-system-packages.ts';
import { missingPackages, onPath, SYSTEM_PACKAGES, type SystemPackage } from './system-packages.ts';

const absent: SystemPackage = { package: 'switchyard-no-such-pkg', commands: ['switchyard-no-such-command'], neededBy: 'nothing real' };
const present: SystemPackage = { package: 'coreutils', commands: ['ls'], neededBy: 'everything' };

const ok = (): SpawnSyncReturns<string> => ({ pid: 0, output: [], stdout: '', stderr: '', status: 0, signal: null });

describe('ensuring the Debian packages the tests need', () => {
  it('finds a package missing when any command it provides is not on the PATH', () => {
    expect(onPath('ls')).toBe(true);
    expect(missingPackages([present, absent]).map((p) => p.package)).toEqual(['switchyard-no-such-pkg']);
    expect(missingPackages([{ ...present, commands: ['ls', 'switchyard-no-such-command'] }])).toHaveLength(1);
  });

  it('finds a package with no command of its own (a Python module) missing when a file it installs is not there', () => {
    expect(missingPackages([{ ...present, files: ['/switchyard/no/such/module/__init__.py'] }])).toHaveLength(1);
    expect(missingPackages([{ ...present, files: ['/bin/ls'] }])).toEqual([]);
  });

  it('does nothing, and runs no apt-get, when every package is there', () => {
    const calls: string[][] = [];
    expect(ensureSystemPackages([present], { run: (argv) => (calls.push(argv), ok()) }, () => {})).toEqual([]);
    expect(calls).toEqual([]);
  });

  it('stops at once when it may not install, naming each missing package, why it is needed and the one command to run', () => {
    expect(() => ensureSystemPackages([present, absent], { refused: 'npm test runs neither as root nor with passwordless sudo' })).toThrowError(
      /not installed, and npm test runs neither as root[\s\S]*switchyard-no-such-pkg +nothing real[\s\S]*sudo apt-get update && sudo apt-get install -y --no-install-recommends switchyard-no-such-pkg$/,
    );
  });

  it('installs only the missing packages with apt-get, updating the lists first and waiting for a held dpkg lock', () => {
    const calls: string[][] = [];
    // The fake apt-get "installs" nothing, so the check after it must report the package still missing.
    expect(() => ensureSystemPackages([present, absent], { run: (argv) => (calls.push(argv), ok()) }, () => {})).toThrowError(/still not on the PATH[\s\S]*switchyard-no-such-pkg/);
    expect(calls[0]).toEqual(['apt-get', '-o', 'DPkg::Lock::Timeout=180', 'update', '-qq']);
    expect(calls[1]).toEqual(['apt-get', '-o', 'DPkg::Lock::Timeout=180', 'install', '-y', '-qq', '--no-install-recommends', 'switchyard-no-such-pkg']);
  });

  it('reports apt-get’s own error when an install fails for good', () => {
    const fail = (): SpawnSyncReturns<string> => ({ ...ok(), status: 100, stderr: 'E: Unable to locate package switchyard-no-such-pkg' });
    expect(() => ensureSystemPackages([absent], { run: fail }, () => {})).toThrowError(/apt-get update failed \(exit 100\):\nE: Unable to locate package/);
  });

  it('lists each package once, and the global setup has left every one installed', () => {
    const names = SYSTEM_PACKAGES.map((p) => p.package);
    expect(new Set(names).size).toBe(names.length);
    expect(missingPackages(SYSTEM_PACKAGES)).toEqual([]);
  });
});
