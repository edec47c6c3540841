import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/cli/validate.ts';
import { builtinRegistry } from '../../src/components.ts';
import { readClientTls } from '../../src/listener/client-tls.ts';
import { makeTestCa } from '../helpers/test-ca.ts';
import { tempFiles } from '../helpers/temp-files.ts';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

/** A loadbalancing exporter with `tls` (its line is 9) under protocol.otlp, as `switchyard validate` checks it. */
async function issuesOf(tls: string, files: Record<string, string> = {}): Promise<{ path: string; line: number | undefined; message: string }[]> {
  const t = tempFiles({
    ...files,
    'gateway.yaml': `receivers:
  otlp: { protocols: { http: { endpoint: "127.0.0.1:0" } } }
exporters:
  loadbalancing:
    resolver:
      static: { hostnames: ["127.0.0.1:4318"] }
    protocol:
      otlp:
        tls: ${tls}
service:
  pipelines:
    metrics: { receivers: [otlp], exporters: [loadbalancing] }
`,
  });
  cleanups.push(t.cleanup);
  const issues = await validateConfig(t.path('gateway.yaml'), builtinRegistry(), {});
  return issues.map((i) => ({ path: i.path.join('.'), line: i.line, message: i.message }));
}

const AT = 'exporters.loadbalancing.protocol.otlp.tls';

describe('client tls settings (protocol.otlp.tls of the loadbalancing exporter)', () => {
  it('accepts the Collector’s client keys', async () => {
    const t = tempFiles({});
    cleanups.push(t.cleanup);
    const ca = makeTestCa(t.dir);
    expect(await issuesOf(`{ ca_file: ${ca.caCert}, cert_file: ${ca.clientCert}, key_file: ${ca.clientKey}, server_name_override: gw.example, insecure_skip_verify: false, min_version: "1.3" }`)).toEqual([]);
    expect(await issuesOf('{ insecure: true }')).toEqual([]);
  }, 30_000);

  it('refuses a certificate without its key, insecure with files it would ignore, an old TLS version and an unknown key, at their paths', async () => {
    expect(await issuesOf('{ cert_file: /c.pem }')).toEqual([{ path: `${AT}.key_file`, line: 9, message: 'a client certificate needs both cert_file and key_file' }]);
    const [insecure] = await issuesOf('{ insecure: true, ca_file: /ca.pem, insecure_skip_verify: true }');
    expect(insecure).toMatchObject({ path: `${AT}.insecure`, message: 'insecure: true turns TLS off, so ca_file, insecure_skip_verify would not be used; remove insecure (or them)' });
    expect((await issuesOf('{ min_version: "1.1" }'))[0]).toMatchObject({ path: `${AT}.min_version`, message: 'min_version must be "1.2" or "1.3" (older TLS versions are not offered)' });
    expect((await issuesOf('{ reload_interval: 1m }'))[0]!.path).toBe(`${AT}.reload_interval`);
  });

  it('refuses a CA file that is no certificate, and a key that is not the certificate’s, at their paths (validate and the reload preflight)', async () => {
    const t = tempFiles({ 'junk.pem': 'not a certificate\n' });
    cleanups.push(t.cleanup);
    const caIn = (name: string) => (mkdirSync(join(t.dir, name)), makeTestCa(join(t.dir, name)));
    const [one, two] = [caIn('one'), caIn('two')];
    const junk = await issuesOf(`{ ca_file: ${t.path('junk.pem')} }`);
    expect(junk).toHaveLength(1);
    expect(junk[0]).toMatchObject({ path: `${AT}.ca_file`, line: 9 });
    expect(junk[0]!.message).toMatch(/is not a PEM CA certificate/);
    const mismatch = await issuesOf(`{ ca_file: ${one.caCert}, cert_file: ${one.clientCert}, key_file: ${two.clientKey} }`);
    expect(mismatch.map((i) => i.path)).toEqual([`${AT}.key_file`]);
    expect(mismatch[0]!.message).toMatch(/is not the private key of/);
  }, 30_000);

  it('reads nothing for plaintext, and the CA, certificate and key as Node TLS options otherwise', () => {
    const t = tempFiles({});
    cleanups.push(t.cleanup);
    const ca = makeTestCa(t.dir);
    expect(readClientTls(undefined, [])).toBeUndefined();
    expect(readClientTls({ insecure: true, insecure_skip_verify: false, min_version: 'TLSv1.2' }, [])).toBeUndefined();
    const tls = readClientTls({ insecure: false, ca_file: ca.caCert, cert_file: ca.clientCert, key_file: ca.clientKey, server_name_override: 'gw', insecure_skip_verify: true, min_version: 'TLSv1.3' }, [])!;
    expect(tls.context.ca).toEqual(ca.read(ca.caCert));
    expect(tls.context.cert).toEqual(ca.read(ca.clientCert));
    expect(tls.context.minVersion).toBe('TLSv1.3');
    expect(tls.servername).toBe('gw');
    expect(tls.rejectUnauthorized).toBe(false);
  }, 30_000);
});
