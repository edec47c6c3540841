import type { ConfigIssue } from '../config/errors.ts';
import type { Located } from '../config/load.ts';
import type { GatewayConfig } from '../config/resolve.ts';
import { ConfigFault } from '../component/component.ts';
import type { ListenerAuthConfig, ListenerTlsConfig } from '../config/listener-security.ts';
import { readBearerToken, readCaAt, readFileAt, readTlsContext } from './secrets.ts';

/** The keys of an `auth` or `tls` block that name a file the gateway reads at start and on reload. */
const FILE_KEYS = ['bearer_token_file', 'cert_file', 'key_file', 'client_ca_file', 'ca_file'] as const;

/**
 * Reads every token, certificate and key file the config's `auth` and `tls` blocks name, as the
 * components will (a key must be its certificate's, a token file must not be empty), and returns what
 * is wrong, at its YAML path. `validate` shows these; a reload runs it before the running pipelines
 * stop, so a bad file refuses the reload and the old config keeps serving.
 */
export function preflightListenerFiles(config: GatewayConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const check = (value: unknown, located: Located, path: (string | number)[]) => {
    if (typeof value !== 'object' || value === null) return;
    for (const [key, v] of Object.entries(value)) {
      if ((key === 'tls' || key === 'auth') && typeof v === 'object' && v !== null) {
        const fault = blockFault(key, v as Record<string, unknown>, [...path, key]);
        if (fault) issues.push(located.source.issue([...located.path, ...fault.path], fault.message));
      } else check(v, located, [...path, key]);
    }
  };
  for (const c of [...config.receivers.values(), ...config.exporters.values()]) check(c.config, c.located, []);
  check({ auth: config.admin.auth, tls: config.admin.tls }, config.admin.located, []);
  return issues;
}

/** The first problem of one block, read as its listener would read it. */
function blockFault(kind: 'tls' | 'auth', block: Record<string, unknown>, at: (string | number)[]): ConfigFault | undefined {
  try {
    if (kind === 'auth' && typeof block.bearer_token_file === 'string') readBearerToken(block as ListenerAuthConfig, at);
    else if (kind === 'tls' && typeof block.cert_file === 'string' && typeof block.key_file === 'string') readTlsContext(block as ListenerTlsConfig, at);
    // A client's CA (an exporter's `tls`, src/listener/client-tls.ts): parsed as it will be.
    if (kind === 'tls' && typeof block.ca_file === 'string') readCaAt(block.ca_file, [...at, 'ca_file']);
    // Any other file named: each must at least be readable.
    for (const key of FILE_KEYS) if (typeof block[key] === 'string') readFileAt(block[key], [...at, key]);
    return undefined;
  } catch (error) {
    if (error instanceof ConfigFault) return error;
    throw error;
  }
}
