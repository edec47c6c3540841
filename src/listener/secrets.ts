import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { ConfigFault } from '../component/component.ts';
import { registerSecret } from '../config/secret-values.ts';
import { BearerAuth } from './bearer-auth.ts';
import type { ListenerAuthConfig, ListenerTlsConfig } from '../config/listener-security.ts';

type YamlPath = readonly (string | number)[];

export function readFileAt(file: string, path: YamlPath): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    // The file's name, never its content: the message goes to logs and `validate`.
    throw new ConfigFault(path, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** The token a listener's `auth` asks for, read now (from the file, when it names one). */
export function readBearerToken(auth: ListenerAuthConfig, at: YamlPath): string {
  if (auth.bearer_token !== undefined) return auth.bearer_token;
  const token = readFileAt(auth.bearer_token_file!, [...at, 'bearer_token_file']).toString('utf8').trim();
  if (token === '') throw new ConfigFault([...at, 'bearer_token_file'], `${auth.bearer_token_file} is empty; it must hold the token`);
  registerSecret(token);
  return token;
}

/**
 * The certificate, key and client CA of a listener's `tls`, read now, as Node's TLS options; each is
 * parsed, and the key must be the certificate's, so a wrong file is refused here, at its YAML path,
 * and not by the first handshake.
 */
export function readTlsContext(tls: ListenerTlsConfig, at: YamlPath): SecureContextOptions {
  const { cert, key } = readCertAndKey(tls, at);
  const ca = tls.client_ca_file ? readCaAt(tls.client_ca_file, [...at, 'client_ca_file']) : undefined;
  return { cert, key, ...(ca ? { ca } : {}), minVersion: tls.min_version };
}

/** A `tls` block's `cert_file` and `key_file` (a server's, or a client's for mutual TLS), read and checked to match. */
export function readCertAndKey(tls: { cert_file: string; key_file: string }, at: YamlPath): { cert: Buffer; key: Buffer } {
  const cert = readFileAt(tls.cert_file, [...at, 'cert_file']);
  const key = readFileAt(tls.key_file, [...at, 'key_file']);
  usable({ cert }, [...at, 'cert_file'], `${tls.cert_file} is not a PEM certificate`);
  usable({ key }, [...at, 'key_file'], `${tls.key_file} is not a PEM private key`);
  usable({ cert, key }, [...at, 'key_file'], `${tls.key_file} is not the private key of ${tls.cert_file}`);
  return { cert, key };
}

/** A CA file (a listener's `client_ca_file`, a client's `ca_file`), read and parsed. */
export function readCaAt(file: string, path: YamlPath): Buffer {
  const ca = readFileAt(file, path);
  // OpenSSL skips what is not a certificate in a CA list (a junk file trusts nothing, silently): parse the first one.
  try {
    new X509Certificate(ca);
  } catch (error) {
    throw new ConfigFault(path, `${file} is not a PEM CA certificate (${(error as Error).message})`);
  }
  usable({ ca }, path, `${file} is not a PEM CA certificate`);
  return ca;
}

/** Throws `message` at `path` when OpenSSL refuses `options` (its reason appended; never the file's content). */
function usable(options: SecureContextOptions, path: YamlPath, message: string): void {
  try {
    createSecureContext(options);
  } catch (error) {
    const reason = (error as Error).message.replace(/^error:[0-9A-F]+:/, '');
    throw new ConfigFault(path, `${message} (${reason})`);
  }
}

/** A listener's auth and TLS, with every file they name read now. */
export interface ListenerSecurity {
  auth: BearerAuth | undefined;
  tls: SecureContextOptions | undefined;
}

/** Reads what a listener block's `auth` and `tls` name; `at` is the block's YAML path, for a located error. */
export function loadListenerSecurity(block: { auth?: ListenerAuthConfig; tls?: ListenerTlsConfig }, at: YamlPath): ListenerSecurity {
  return {
    auth: block.auth ? new BearerAuth(readBearerToken(block.auth, [...at, 'auth'])) : undefined,
    tls: block.tls ? readTlsContext(block.tls, [...at, 'tls']) : undefined,
  };
}
