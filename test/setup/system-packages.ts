import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** A Debian package that some test needs, and how to tell whether it is installed. */
export interface SystemPackage {
  /** The Debian package name, as given to `apt-get install`. */
  package: string;
  /** Commands the package puts on the PATH; the package counts as installed when all are there. */
  commands: readonly string[];
  /** Files it installs, for a package with no command of its own (a Python module); all must be there too. */
  files?: readonly string[];
  /** Which tests need it (shown when it is missing). */
  neededBy: string;
  /** A service the package starts where an init system runs, which the tests must not meet (they start their own on free ports). */
  startsService?: string;
}

/**
 * Every Debian package the test suite needs beyond npm: the one list to extend. `npm test` (vitest's
 * global setup) installs what is missing, or stops with the command to run.
 */
export const SYSTEM_PACKAGES: readonly SystemPackage[] = [
  { package: 'prometheus', commands: ['prometheus', 'promtool'], neededBy: 'real Prometheus and promtool checks', startsService: 'prometheus' },
  { package: 'chromium', commands: ['chromium'], neededBy: 'browser tests of the status page (playwright-core drives it)' },
  { package: 'docker-compose', commands: ['docker-compose'], neededBy: 'the docker-compose.yml validity test' },
  { package: 'openssl', commands: ['openssl'], neededBy: 'TLS tests (they make their certificates)' },
  { package: 'python3-prometheus-client', commands: ['python3'], files: ['/usr/lib/python3/dist-packages/prometheus_client/__init__.py'], neededBy: 'the scrape e2e test’s seed 001 app (prometheus_client, as the seed uses it)' },
  { package: 'nats-server', commands: ['nats-server'], neededBy: 'the nats receiver and exporter tests (JetStream, -js)', startsService: 'nats-server' },
];

/** Whether an executable of that name is on the PATH (what `command -v` answers, without a shell). */
export function onPath(command: string, path = process.env.PATH ?? ''): boolean {
  // Debian installs daemons under sbin, which a non-login root shell may lack on its PATH.
  const dirs = [...path.split(delimiter), '/usr/sbin', '/usr/bin'].filter(Boolean);
  return dirs.some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export function missingPackages(packages: readonly SystemPackage[], has: (command: string) => boolean = (c) => onPath(c), exists: (file: string) => boolean = existsSync): SystemPackage[] {
  return packages.filter((p) => !p.commands.every(has) || !(p.files ?? []).every(exists));
}

/** The one command that installs them, as a person would type it. */
export function installCommand(missing: readonly SystemPackage[], asRoot: boolean): string {
  const names = missing.map((p) => p.package).join(' ');
  return `${asRoot ? '' : 'sudo '}apt-get update && ${asRoot ? '' : 'sudo '}apt-get install -y --no-install-recommends ${names}`;
}

/** What `npm test` says when it cannot install them itself. */
export function missingMessage(missing: readonly SystemPackage[], reason: string): string {
  return [
    `The tests need Debian packages that are not installed, and ${reason}:`,
    ...missing.map((p) => `  ${p.package.padEnd(16)} ${p.neededBy}`),
    'Install them with:',
    `  ${installCommand(missing, false)}`,
  ].join('\n');
}
