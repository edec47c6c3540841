import type { SecureContextOptions } from 'node:tls';
import { z } from 'zod';
import { tlsMinVersion } from '../config/listener-security.ts';
import { readCaAt, readCertAndKey } from './secrets.ts';

type YamlPath = readonly (string | number)[];

/**
 * `tls:` of a client (an exporter's connection to its backends), the keys of the Collector's configtls
 * client settings. Without the block the client speaks plaintext; with it, TLS verified against
 * `ca_file` (else the system's CAs), and with `cert_file` and `key_file` it shows its own certificate
 * (mutual TLS). `insecure: true` turns TLS off again (as the Collector's gRPC clients read it).
 */
export const clientTlsSchema = z
  .object({
    insecure: z.boolean().default(false),
    ca_file: z.string().min(1).optional(),
    cert_file: z.string().min(1).optional(),
    key_file: z.string().min(1).optional(),
    /** The name the server's certificate is checked against (and sent as SNI), instead of the backend's host. */
    server_name_override: z.string().min(1).optional(),
    /** Encrypts but accepts any server certificate: for tests, never production. */
    insecure_skip_verify: z.boolean().default(false),
    min_version: tlsMinVersion,
  })
  .strict()
  .superRefine((tls, ctx) => {
    if ((tls.cert_file === undefined) !== (tls.key_file === undefined)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: [tls.cert_file === undefined ? 'cert_file' : 'key_file'], message: 'a client certificate needs both cert_file and key_file' });
    }
    if (tls.insecure) {
      // Every other key would be silently ignored: say so instead.
      const ignored = (['ca_file', 'cert_file', 'key_file', 'server_name_override', 'insecure_skip_verify'] as const).filter((k) => tls[k] !== undefined && tls[k] !== false);
      if (ignored.length > 0) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['insecure'], message: `insecure: true turns TLS off, so ${ignored.join(', ')} would not be used; remove insecure (or them)` });
    }
  });

export type ClientTlsConfig = z.infer<typeof clientTlsSchema>;

/** What a client needs to open a TLS connection: Node's context options and how to check the server. */
export interface ClientTls {
  /** CA, certificate and key (read now), min version. */
  context: SecureContextOptions;
  /** Checked against the server's certificate instead of the host connected to. */
  servername: string | undefined;
  rejectUnauthorized: boolean;
}

/**
 * Reads the files a client's `tls` names, now (at start, so again on every reload: a rotated
 * certificate is used from the next SIGHUP), each parsed so a wrong file is refused at its YAML path
 * and not by the first handshake. `undefined`: plaintext (no block, or `insecure: true`).
 */
export function readClientTls(tls: ClientTlsConfig | undefined, at: YamlPath): ClientTls | undefined {
  if (!tls || tls.insecure) return undefined;
  const ca = tls.ca_file ? readCaAt(tls.ca_file, [...at, 'ca_file']) : undefined;
  const pair = tls.cert_file && tls.key_file ? readCertAndKey({ cert_file: tls.cert_file, key_file: tls.key_file }, at) : undefined;
  const context: SecureContextOptions = { ...(ca ? { ca } : {}), ...pair, minVersion: tls.min_version };
  return { context, servername: tls.server_name_override, rejectUnauthorized: !tls.insecure_skip_verify };
}
