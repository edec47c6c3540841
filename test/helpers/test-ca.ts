import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** PEM file paths of a throwaway CA, a server certificate for 127.0.0.1 and localhost and a client certificate, both signed by it. */
export interface TestCa {
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** The file's content, for clients that take PEM bytes. */
  read(path: string): Buffer;
  /** A new server certificate and key signed by the same CA, written over the old files (a rotation). */
  renewServer(): void;
}

const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Makes the CA and certificates with the openssl command line into `dir` (P-256 keys: fast to make). */
export function makeTestCa(dir: string): TestCa {
  const p = (name: string) => join(dir, name);
  openssl(['req', '-x509', ...EC_KEY, '-days', '1', '-subj', '/CN=switchyard test CA', '-keyout', p('ca.key'), '-out', p('ca.pem')]);
  const issue = (name: string, cn: string, extensions: string) => {
    writeFileSync(p(`${name}.ext`), extensions);
    openssl(['req', ...EC_KEY, '-subj', `/CN=${cn}`, '-keyout', p(`${name}.key`), '-out', p(`${name}.csr`)]);
    openssl(['x509', '-req', '-in', p(`${name}.csr`), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', p(`${name}.ext`), '-out', p(`${name}.pem`)]);
  };
  const renewServer = () => issue('server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  renewServer();
  issue('client', 'test client', 'extendedKeyUsage=clientAuth\n');
  return { caCert: p('ca.pem'), serverCert: p('server.pem'), serverKey: p('server.key'), clientCert: p('client.pem'), clientKey: p('client.key'), read: (path) => readFileSync(path), renewServer };
}
