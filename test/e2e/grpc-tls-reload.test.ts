import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { credentials, type ChannelCredentials } from '@grpc/grpc-js';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterAll, describe, expect, it } from 'vitest';
import { componentStatus, startGateway } from '../helpers/gateway-process.ts';
import { ManualReader } from '../helpers/sdk-bodies.ts';
import { makeTestCa } from '../helpers/test-ca.ts';
import { tempFiles } from '../helpers/temp-files.ts';

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** ExportResultCode.SUCCESS of @opentelemetry/core. */
const SUCCESS = 0;

/** One export of one counter by the SDK's gRPC exporter, trusting only `ca`; its result code. */
async function exportWith(address: string, creds: ChannelCredentials): Promise<number> {
  const exporter = new OTLPMetricExporter({ url: `https://${address}`, credentials: creds, timeoutMillis: 5_000 });
  const reader = new ManualReader();
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'rotation' }), readers: [reader] });
  provider.getMeter('m').createCounter('rotation.requests').add(1);
  const { resourceMetrics } = await reader.collect();
  const code = await new Promise<number>((resolve) => exporter.export(resourceMetrics, (r) => resolve(r.code)));
  await exporter.shutdown();
  await provider.shutdown();
  return code;
}

describe('gRPC receiver certificates on SIGHUP', () => {
  it('serves a new certificate on the same port without rebinding, refuses a key that does not match, and hands the old listener back when the new pipelines fail', async () => {
    const t = tempFiles({});
    cleanups.push(t.cleanup);
    const caIn = (name: string) => (mkdirSync(join(t.dir, name)), makeTestCa(join(t.dir, name)));
    // Two CAs: a client trusting only one of them tells which certificate the receiver shows.
    const [one, two] = [caIn('one'), caIn('two')];
    const [certFile, keyFile] = [t.path('server.pem'), t.path('server.key')];
    const install = (cert: string, key: string) => (copyFileSync(cert, certFile), copyFileSync(key, keyFile));
    install(one.serverCert, one.serverKey);
    const yaml = (httpEndpoint: string) => `receivers:
  otlp:
    protocols:
      grpc: { endpoint: "127.0.0.1:0", tls: { cert_file: ${certFile}, key_file: ${keyFile} } }
      http: { endpoint: "${httpEndpoint}" }
exporters:
  prometheus: { endpoint: "127.0.0.1:0" }
service:
  admin: { endpoint: "127.0.0.1:0" }
  pipelines:
    metrics: { receivers: [otlp], exporters: [prometheus] }
`;
    writeFileSync(t.path('gateway.yaml'), yaml('127.0.0.1:0'));
    const gw = await startGateway(t.path('gateway.yaml'));
    cleanups.push(() => gw.stop());
    const grpc = gw.endpoints['otlp.grpc']!;
    const trustOne = () => credentials.createSsl(one.read(one.caCert));
    const trustTwo = () => credentials.createSsl(two.read(two.caCert));
    expect(await exportWith(grpc, trustOne())).toBe(SUCCESS);
    expect(await exportWith(grpc, trustTwo())).not.toBe(SUCCESS);

    // A certificate with someone else's key: refused before anything stops, at the key's YAML path and line.
    install(two.serverCert, one.serverKey);
    gw.child.kill('SIGHUP');
    const refused = await gw.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('Reload refused'));
    expect(JSON.stringify(refused.err)).toContain(`gateway.yaml:4:`);
    expect(JSON.stringify(refused.err)).toContain(`receivers.otlp.protocols.grpc.tls.key_file: ${keyFile} is not the private key of ${certFile}`);
    expect(await exportWith(grpc, trustOne())).toBe(SUCCESS);

    // The new certificate and its key: shown on the same port after the reload.
    install(two.serverCert, two.serverKey);
    gw.child.kill('SIGHUP');
    const reloaded = await gw.waitForLog((l) => l.msg === 'Configuration reloaded.');
    expect((reloaded.endpoints as Record<string, string>)['otlp.grpc']).toBe(grpc);
    expect(await exportWith(grpc, trustTwo())).toBe(SUCCESS);
    expect(await exportWith(grpc, trustOne())).not.toBe(SUCCESS);

    // New pipelines that fail to start (the HTTP port taken): the old gRPC listener comes back, port and certificate unchanged.
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', () => resolve()));
    cleanups.push(() => new Promise((resolve) => squatter.close(resolve)));
    const taken = `127.0.0.1:${(squatter.address() as { port: number }).port}`;
    writeFileSync(t.path('gateway.yaml'), yaml(taken));
    gw.child.kill('SIGHUP');
    await gw.waitForLog((l) => l.msg === 'Reload failed while starting the new pipelines; restarting the previous configuration.');
    let otlp = await componentStatus(gw.endpoints.admin!, 'otlp');
    for (let i = 0; i < 100 && otlp.state !== 'running'; i++) otlp = (await sleep(50), await componentStatus(gw.endpoints.admin!, 'otlp'));
    // The previous receiver took its listener back (bound anew, port 0 would have given another port).
    expect(otlp.details['endpoint.grpc']).toBe(grpc);
    expect(await exportWith(grpc, trustTwo())).toBe(SUCCESS);

    const scrape = await (await fetch(`http://${gw.endpoints.admin}/metrics`)).text();
    expect(scrape).toMatch(/switchyard_receiver_accepted_points_total\{component="otlp",signal="metrics",transport="grpc"\} 4/);
  }, 90_000);
});
