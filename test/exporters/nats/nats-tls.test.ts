import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { natsExporterConfigSchema } from '../../../exporters/nats/config.ts';
import { NatsExporter } from '../../../exporters/nats/nats-exporter.ts';
import { startGateway, type GatewayProcess } from '../../helpers/gateway-process.ts';
import { lbHits, roundRequest, totalHits } from '../../helpers/loadbalancing-rounds.ts';
import { startNatsServer, type NatsServer } from '../../helpers/nats-server.ts';
import { eventually } from '../../helpers/prometheus-server.ts';
import { silentSettings } from '../../helpers/silent-settings.ts';
import { makeTestCa, type TestCa } from '../../helpers/test-ca.ts';
import { tempFiles } from '../../helpers/temp-files.ts';

/*
 * The nats exporter and receiver over mutual TLS to a real `nats-server -js` configured with
 * `tls { …, verify: true }` (every client must show a certificate signed by the test CA).
 */
const SERIES = 50;

describe('nats exporter and receiver with tls', () => {
  const t = tempFiles({});
  let ca: TestCa;
  let nats: NatsServer;
  const gateways: GatewayProcess[] = [];

  beforeAll(async () => {
    mkdirSync(join(t.dir, 'ca'));
    ca = makeTestCa(join(t.dir, 'ca'));
    nats = await startNatsServer(15_000, `tls {\n  cert_file: "${ca.serverCert}"\n  key_file: "${ca.serverKey}"\n  ca_file: "${ca.caCert}"\n  verify: true\n}\n`);
  }, 30_000);

  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    await nats?.close();
    t.cleanup();
  });

  // nats.js checks the certificate of a server given by IP address against "localhost": name it.
  const mtls = () => `{ ca_file: ${ca.caCert}, cert_file: ${ca.clientCert}, key_file: ${ca.clientKey}, server_name_override: localhost }`;
  const stream = 'metrics: { stream: TLS_TEST, subject_prefix: tls.metrics }\n    partition_count: 1';

  it('carries points from a tier-1 gateway to a tier-2 gateway, both showing client certificates', async () => {
    writeFileSync(t.path('tier2.yaml'), `receivers:
  nats:
    url: "${nats.url}"
    tls: ${mtls()}
    ${stream}
    partitions: [0]
exporters:
  prometheus: { endpoint: "127.0.0.1:0" }
service:
  admin: { endpoint: "127.0.0.1:0" }
  pipelines:
    metrics: { receivers: [nats], exporters: [prometheus] }
`);
    writeFileSync(t.path('tier1.yaml'), `receivers:
  otlp: { protocols: { http: { endpoint: "127.0.0.1:0" } } }
exporters:
  nats:
    url: "${nats.url}"
    tls: ${mtls()}
    ${stream}
    batch_send_deadline: 50ms
service:
  admin: { endpoint: "127.0.0.1:0" }
  pipelines:
    metrics: { receivers: [otlp], exporters: [nats] }
`);
    const tier2 = await startGateway(t.path('tier2.yaml'));
    gateways.push(tier2);
    const tier1 = await startGateway(t.path('tier1.yaml'));
    gateways.push(tier1);
    const res = await fetch(`http://${tier1.endpoints['otlp.http']}/v1/metrics`, { method: 'POST', body: roundRequest(1, SERIES), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
    const hits = await eventually(async () => {
      const m = await lbHits(tier2.endpoints.prometheus!);
      return totalHits([m]) >= SERIES ? m : undefined;
    }, 20_000, 'points on tier 2');
    expect(hits.size).toBe(SERIES);
    expect(totalHits([hits])).toBe(SERIES);
  }, 60_000);

  it('cannot connect without a client certificate, and says so at start', async () => {
    const config = natsExporterConfigSchema.parse({ url: nats.url, tls: { ca_file: ca.caCert, server_name_override: 'localhost' }, metrics: { stream: 'TLS_TEST', subject_prefix: 'tls.metrics' }, partition_count: 1 });
    const exporter = new NatsExporter(silentSettings('nats'), config);
    const refused = await exporter.start().then(() => 'started', (e: Error) => e.message);
    expect(refused).toBe(`cannot connect to NATS at ${nats.url}: TIMEOUT (tls has no cert_file and key_file: a server with verify: true refuses a client without a certificate)`);
    await exporter.shutdown();
    // The same with a client certificate connects: what was missing is the certificate, nothing else.
    const withCert = new NatsExporter(silentSettings('nats'), natsExporterConfigSchema.parse({ url: nats.url, tls: { ca_file: ca.caCert, cert_file: ca.clientCert, key_file: ca.clientKey, server_name_override: 'localhost' }, metrics: { stream: 'TLS_TEST', subject_prefix: 'tls.metrics' }, partition_count: 1 }));
    await withCert.start();
    await withCert.shutdown();
    // Plaintext to a server that requires TLS: refused as well.
    const plain = new NatsExporter(silentSettings('nats'), natsExporterConfigSchema.parse({ url: nats.url, tls: { insecure: true }, metrics: { stream: 'TLS_TEST', subject_prefix: 'tls.metrics' }, partition_count: 1 }));
    await expect(plain.start()).rejects.toThrow();
    await plain.shutdown();
  }, 30_000);
});
