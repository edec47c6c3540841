import { accessSync, constants } from 'node:fs';
import type { ConfigIssue } from '../config/errors.ts';
import type { Located } from '../config/load.ts';
import type { GatewayConfig } from '../config/resolve.ts';

/** The keys of a listener's `auth` and `tls` that name a file the gateway reads at start and on reload. */
const FILE_KEYS = new Set(['bearer_token_file', 'cert_file', 'key_file', 'client_ca_file']);

/**
 * For `validate`: every token or certificate file a listener names that cannot be read here, at its
 * YAML path (the gateway would refuse to start, or to reload, on it).
 */
export function unreadableListenerFiles(config: GatewayConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const check = (value: unknown, located: Located, path: (string | number)[]) => {
    if (typeof value !== 'object' || value === null) return;
    for (const [key, v] of Object.entries(value)) {
      if (FILE_KEYS.has(key) && typeof v === 'string' && (path.at(-1) === 'tls' || path.at(-1) === 'auth')) {
        const problem = unreadable(v);
        if (problem) issues.push(located.source.issue([...located.path, ...path, key], `cannot read ${v}: ${problem}`));
      } else check(v, located, [...path, key]);
    }
  };
  for (const c of [...config.receivers.values(), ...config.exporters.values()]) check(c.config, c.located, []);
  check({ auth: config.admin.auth, tls: config.admin.tls }, config.admin.located, []);
  return issues;
}

function unreadable(file: string): string | undefined {
  try {
    accessSync(file, constants.R_OK);
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? 'unreadable';
  }
}
