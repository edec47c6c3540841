import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/cli/validate.ts';
import { ConfigError, type ConfigIssue } from '../../src/config/errors.ts';
import { loadConfig } from '../../src/config/load.ts';
import { resolveConfig } from '../../src/config/resolve.ts';
import { builtinRegistry } from '../../src/components.ts';
import { BearerAuth } from '../../src/listener/bearer-auth.ts';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { makeTestCa } from '../helpers/test-ca.ts';
import { tempFiles } from '../helpers/temp-files.ts';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function issuesOf(yaml: string, env: NodeJS.ProcessEnv = {}): ConfigIssue[] {
  const t = tempFiles({ 'gateway.yaml': yaml });
  cleanups.push(t.cleanup);
  try {
    resolveConfig(loadConfig(t.path('gateway.yaml'), env), builtinRegistry());
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
  return [];
}

const config = (http: string, admin = '{ endpoint: "127.0.0.1:0" }') => `receivers:
  otlp:
    protocols:
      http: ${http}
exporters:
  prometheus: { endpoint: "127.0.0.1:0" }
service:
  admin: ${admin}
  pipelines:
    metrics: { receivers: [otlp], exporters: [prometheus] }
`;

describe('listener auth and tls settings', () => {
  it('accepts bearer_token under a receiver protocol and bearer_token_file under service.admin, with tls', () => {
    expect(issuesOf(config('{ auth: { bearer_token: "${env:OTLP_TOKEN}" } }', '{ auth: { bearer_token_file: /run/secrets/admin, probes: true }, tls: { cert_file: a.pem, key_file: a.key, min_version: "1.3" } }'), { OTLP_TOKEN: 't' })).toEqual([]);
  });

  it('refuses the Collector’s bearertokenauth extension, saying what to write instead, at each place it is written', () => {
    const yaml = `extensions:
  bearertokenauth: { token: abc }
${config('{ auth: { authenticator: bearertokenauth } }').replace('service:\n', 'service:\n  extensions: [bearertokenauth]\n')}`;
    const issues = issuesOf(yaml);
    expect(issues.map((i) => [i.path.join('.'), i.line])).toEqual([
      ['extensions', 1],
      ['service.extensions', 10],
      ['receivers.otlp.protocols.http.auth.authenticator', 6],
    ]);
    for (const issue of issues) expect(issue.message).toMatch(/bearer_token: \$\{env:TOKEN\}/);
    // The extension's token is not repeated in any message.
    expect(JSON.stringify(issues)).not.toContain('abc');
  });

  it('wants exactly one of bearer_token and bearer_token_file, and refuses an empty token (an unset variable with an empty default)', () => {
    expect(issuesOf(config('{ auth: { bearer_token: a, bearer_token_file: /f } }'))[0]!.message).toBe('write exactly one of bearer_token or bearer_token_file');
    expect(issuesOf(config('{ auth: {} }'))[0]!.message).toBe('write exactly one of bearer_token or bearer_token_file');
    const [empty] = issuesOf(config('{ auth: { bearer_token: "${env:OTLP_TOKEN:-}" } }'));
    expect(empty).toMatchObject({ path: ['receivers', 'otlp', 'protocols', 'http', 'auth', 'bearer_token'], line: 4 });
    expect(empty!.message).toMatch(/bearer_token is empty/);
  });

  it('wants cert_file and key_file with tls, and refuses TLS versions older than 1.2', () => {
    const issues = issuesOf(config('{ tls: { cert_file: a.pem, min_version: "1.1" } }'));
    expect(issues.map((i) => i.path.slice(-1)[0])).toEqual(['key_file', 'min_version']);
    expect(issues[0]!.message).toMatch(/tls needs key_file/);
    expect(issues[1]!.message).toMatch(/"1.2" or "1.3"/);
  });
});

describe('validate', () => {
  it('names every token or certificate file a listener cannot read, at its YAML path', async () => {
    const t = tempFiles({ token: 'x' });
    cleanups.push(t.cleanup);
    const yaml = config(`{ endpoint: "127.0.0.1:0", auth: { bearer_token_file: ${t.path('token')} }, tls: { cert_file: ${t.path('missing.pem')}, key_file: ${t.path('token')} } }`, `{ endpoint: "127.0.0.1:0", auth: { bearer_token_file: ${t.path('nope')} } }`);
    const c = tempFiles({ 'gateway.yaml': yaml });
    cleanups.push(c.cleanup);
    const issues = await validateConfig(c.path('gateway.yaml'), builtinRegistry(), {});
    expect(issues.map((i) => [i.path.join('.'), i.line, i.message])).toEqual([
      ['receivers.otlp.protocols.http.tls.cert_file', 4, `cannot read ${t.path('missing.pem')}: ENOENT`],
      ['service.admin.auth.bearer_token_file', 8, `cannot read ${t.path('nope')}: ENOENT`],
    ]);
  });
});

describe('validate and the reload preflight', () => {
  it('refuses a key that is not the certificate\'s, and a file that is no PEM certificate, at their YAML paths', async () => {
    const t = tempFiles({ 'junk.pem': 'not a certificate\n' });
    cleanups.push(t.cleanup);
    const caIn = (name: string) => (mkdirSync(join(t.dir, name)), makeTestCa(join(t.dir, name)));
    const [one, two] = [caIn('one'), caIn('two')];
    const yaml = config(`{ endpoint: "127.0.0.1:0", tls: { cert_file: ${one.serverCert}, key_file: ${two.serverKey} } }`, `{ endpoint: "127.0.0.1:0", tls: { cert_file: ${t.path('junk.pem')}, key_file: ${one.serverKey} } }`);
    const c = tempFiles({ 'gateway.yaml': yaml });
    cleanups.push(c.cleanup);
    const issues = await validateConfig(c.path('gateway.yaml'), builtinRegistry(), {});
    expect(issues.map((i) => [i.path.join('.'), i.line])).toEqual([
      ['receivers.otlp.protocols.http.tls.key_file', 4],
      ['service.admin.tls.cert_file', 8],
    ]);
    expect(issues[0]!.message).toBe(`${two.serverKey} is not the private key of ${one.serverCert} (x509 certificate routines::key values mismatch)`);
    expect(issues[1]!.message).toMatch(new RegExp(`^${t.path('junk.pem')} is not a PEM certificate \\(`));
  }, 30_000);
});

describe('bearer token check', () => {
  const auth = new BearerAuth('s3cret-token');
  it('accepts the token with the Bearer scheme in any case, and nothing else', () => {
    expect(auth.check('Bearer s3cret-token')).toBeUndefined();
    expect(auth.check('bearer s3cret-token')).toBeUndefined();
    expect(auth.check(undefined)).toBe('unauthenticated');
    expect(auth.check('Basic czNjcmV0LXRva2Vu')).toBe('unauthenticated');
    expect(auth.check('s3cret-token')).toBe('unauthenticated');
    expect(auth.check('Bearer s3cret-toke')).toBe('invalid_token');
    expect(auth.check('Bearer s3cret-token-and-more')).toBe('invalid_token');
    expect(auth.check('Bearer ')).toBe('unauthenticated');
  });
});
