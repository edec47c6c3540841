import { request as httpsRequest } from 'node:https';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { startGateway } from '../helpers/gateway-process.ts';
import { makeTestCa } from '../helpers/test-ca.ts';
import { tempFiles } from '../helpers/temp-files.ts';

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** GET over HTTPS trusting `ca`; the answer's status and the certificate the server showed. */
function httpsGet(url: string, ca: Buffer, token?: string): Promise<{ status: number; cert: PeerCertificate }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca, headers: token ? { authorization: `Bearer ${token}` } : {}, agent: false }, (res) => {
      const cert = (res.socket as TLSSocket).getPeerCertificate();
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, cert }));
    });
    req.on('error', reject);
    req.end();
  });
}

const GAUGE = JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'g', gauge: { dataPoints: [{ asInt: 1, timeUnixNano: '1' }] } }] }] }] });
async function postMetrics(otlpHttp: string, token: string): Promise<number> {
  const res = await fetch(`http://${otlpHttp}/v1/metrics`, { method: 'POST', body: GAUGE, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  return res.status;
}

describe('listener auth and TLS in the running gateway', () => {
  it('re-reads bearer_token_file and the admin certificate on SIGHUP: the old token stops working, the new one works, the new certificate is served', async () => {
    const t = tempFiles({ 'otlp-token': 'otlp-one\n', 'admin-token': 'admin-one\n' });
    cleanups.push(t.cleanup);
    const ca = makeTestCa(t.dir);
    writeFileSync(
      t.path('gateway.yaml'),
      `receivers:
  otlp:
    protocols:
      http: { endpoint: "127.0.0.1:0", auth: { bearer_token_file: ${t.path('otlp-token')} } }
exporters:
  prometheus: { endpoint: "127.0.0.1:0" }
service:
  admin:
    endpoint: "127.0.0.1:0"
    auth: { bearer_token_file: ${t.path('admin-token')} }
    tls: { cert_file: ${ca.serverCert}, key_file: ${ca.serverKey} }
  pipelines:
    metrics: { receivers: [otlp], exporters: [prometheus] }
`,
    );
    const gw = await startGateway(t.path('gateway.yaml'));
    cleanups.push(() => gw.stop());
    const admin = `https://${gw.endpoints.admin}`;
    const caPem = ca.read(ca.caCert);

    expect((await httpsGet(`${admin}/metrics`, caPem)).status).toBe(401);
    expect((await httpsGet(`${admin}/health/detailed`, caPem, 'wrong')).status).toBe(401);
    expect((await httpsGet(`${admin}/status.json`, caPem)).status).toBe(401);
    expect((await httpsGet(`${admin}/health/live`, caPem)).status).toBe(200);
    expect((await httpsGet(`${admin}/health/ready`, caPem)).status).toBe(200);
    const before = await httpsGet(`${admin}/metrics`, caPem, 'admin-one');
    expect(before.status).toBe(200);
    expect(await postMetrics(gw.endpoints['otlp.http']!, 'otlp-one')).toBe(200);
    expect(await postMetrics(gw.endpoints['otlp.http']!, 'otlp-two')).toBe(401);

    writeFileSync(t.path('otlp-token'), 'otlp-two\n');
    writeFileSync(t.path('admin-token'), 'admin-two\n');
    ca.renewServer();
    gw.child.kill('SIGHUP');
    const reloaded = await gw.waitForLog((l) => l.msg === 'Configuration reloaded.');
    const otlp = (reloaded.endpoints as Record<string, string>)['otlp.http']!;

    expect(await postMetrics(otlp, 'otlp-one')).toBe(401);
    expect(await postMetrics(otlp, 'otlp-two')).toBe(200);
    expect((await httpsGet(`${admin}/metrics`, caPem, 'admin-one')).status).toBe(401);
    const after = await httpsGet(`${admin}/metrics`, caPem, 'admin-two');
    expect(after.status).toBe(200);
    expect(after.cert.serialNumber).not.toBe(before.cert.serialNumber);

    const metrics = await new Promise<string>((resolve, reject) => {
      httpsRequest(`${admin}/metrics`, { ca: caPem, headers: { authorization: 'Bearer admin-two' }, agent: false }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve(text));
      })
        .on('error', reject)
        .end();
    });
    expect(metrics).toMatch(/switchyard_admin_refused_requests_total\{reason="unauthenticated"\} [1-9]/);
    expect(metrics).toMatch(/switchyard_admin_refused_requests_total\{reason="invalid_token"\} [1-9]/);
    expect(metrics).toMatch(/switchyard_receiver_refused_requests_total\{component="otlp",signal="metrics",transport="http",reason="invalid_token"\} 2/);
  }, 60_000);
});
