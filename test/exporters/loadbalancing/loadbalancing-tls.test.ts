import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { componentStatus, startGateway, type GatewayProcess } from '../../helpers/gateway-process.ts';
import { downstreamConfig, lbHits, roundRequest, tierOneConfig, totalHits, type Transport } from '../../helpers/loadbalancing-rounds.ts';
import { eventually } from '../../helpers/prometheus-server.ts';
import { makeTestCa } from '../../helpers/test-ca.ts';
import { tempFiles } from '../../helpers/temp-files.ts';

/*
 * The loadbalancing exporter over TLS: two real tier-2 gateways whose OTLP receivers demand a client
 * certificate (`tls` with `client_ca_file`), and real tier-1 gateways reaching them with
 * `protocol.otlp.tls`, over each transport. Certificates are made now by openssl (test/helpers/test-ca.ts).
 */
const SERIES = 200;

function tlsSuite(transport: Transport): void {
  const t = tempFiles({});
  mkdirSync(join(t.dir, 'ca'));
  mkdirSync(join(t.dir, 'other'));
  const ca = makeTestCa(join(t.dir, 'ca'));
  // A client certificate from a CA tier 2 does not trust.
  const other = makeTestCa(join(t.dir, 'other'));
  const tier2: { port: number; gateway: GatewayProcess }[] = [];
  const started: GatewayProcess[] = [];

  const tier2Config = (port: number, clientCa: boolean) =>
    downstreamConfig(`{ ${transport}: { endpoint: "127.0.0.1:${port}", tls: { cert_file: ${ca.serverCert}, key_file: ${ca.serverKey}${clientCa ? `, client_ca_file: ${ca.caCert}` : ''} } } }`);
  const tier1Config = (tls: string) => tierOneConfig(transport, tier2.map((d) => `127.0.0.1:${d.port}`), tls);

  async function start(name: string, yaml: string): Promise<GatewayProcess> {
    writeFileSync(t.path(name), yaml);
    const gateway = await startGateway(t.path(name));
    started.push(gateway);
    return gateway;
  }

  async function startTier2(i: number, port: number, clientCa: boolean): Promise<void> {
    const gateway = await start(`tier2-${i}-${clientCa}.yaml`, tier2Config(port, clientCa));
    tier2[i] = { port: Number(new URL(`http://${gateway.endpoints[`otlp.${transport}`]}`).port), gateway };
  }

  async function send(tier1: GatewayProcess, round: number): Promise<void> {
    const res = await fetch(`http://${tier1.endpoints['otlp.http']}/v1/metrics`, { method: 'POST', body: roundRequest(round, SERIES), headers: { 'content-type': 'application/json' } });
    await res.arrayBuffer();
    expect(res.status).toBe(200);
  }

  const counts = (): Promise<Map<string, number>[]> => Promise.all(tier2.map((d) => lbHits(d.gateway.endpoints.prometheus!)));
  const settled = (expected: number): Promise<Map<string, number>[]> =>
    eventually(async () => {
      const maps = await counts();
      return totalHits(maps) >= expected ? maps : undefined;
    }, 30_000, `${expected} counts on tier 2`);

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) await startTier2(i, 0, true);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(started.map((g) => g.stop()));
    t.cleanup();
  });

  describe(`loadbalancing exporter with mutual TLS, over OTLP/${transport === 'grpc' ? 'gRPC' : 'HTTP'}`, () => {
    it('delivers every series exactly once to two tier-2 gateways that demand a client certificate', async () => {
      const tier1 = await start('tier1-mtls.yaml', tier1Config(`{ ca_file: ${ca.caCert}, cert_file: ${ca.clientCert}, key_file: ${ca.clientKey} }`));
      await send(tier1, 1);
      const maps = await settled(SERIES);
      await new Promise((r) => setTimeout(r, 500));
      expect(totalHits(await counts())).toBe(SERIES);
      for (let i = 0; i < SERIES; i++) expect(maps.filter((m) => m.get(`s${i}`) === 1), `s${i}`).toHaveLength(1);
      for (const m of maps) expect(m.size).toBeGreaterThan(0);
      expect(tier1.logs.some((l) => String(l.msg).startsWith('Send failed'))).toBe(false);
    }, 60_000);

    it('is refused without a client certificate, reports it, keeps the points queued, and delivers them once the backends accept it', async () => {
      const tier1 = await start('tier1-nocert.yaml', tier1Config(`{ ca_file: ${ca.caCert} }`));
      await send(tier1, 2);
      const failed = await tier1.waitForLog((l) => String(l.msg).startsWith('Send failed, retrying'), 15_000);
      expect(failed.reason).toBe(transport === 'grpc' ? 'grpc_UNAVAILABLE' : 'connection');
      expect((await componentStatus(tier1.endpoints.admin!, 'loadbalancing')).lastError?.message).toBeTruthy();
      // Still retrying a while later, nothing dropped, nothing landed.
      await tier1.waitForLog((l) => String(l.msg).startsWith('Send failed, retrying') && Number(l.attempt) >= 3, 15_000);
      expect(tier1.logs.some((l) => String(l.msg).startsWith('Dropped items'))).toBe(false);
      expect(totalHits(await counts())).toBe(SERIES);

      // Tier 2 restarted on the same ports, TLS without client certificates: the queued round lands, once.
      for (let i = 0; i < 2; i++) {
        const port = tier2[i]!.port;
        await tier2[i]!.gateway.stop();
        await startTier2(i, port, false);
      }
      const maps = await settled(SERIES);
      await new Promise((r) => setTimeout(r, 1000));
      expect(totalHits(await counts())).toBe(SERIES);
      for (let i = 0; i < SERIES; i++) expect(maps.filter((m) => m.get(`s${i}`) === 1), `s${i}`).toHaveLength(1);
    }, 90_000);

    it('reads a rotated client certificate on SIGHUP', async () => {
      for (let i = 0; i < 2; i++) {
        const port = tier2[i]!.port;
        await tier2[i]!.gateway.stop();
        await startTier2(i, port, true);
      }
      // Tier 1 starts with a certificate tier 2 does not trust ...
      const [certFile, keyFile] = [t.path('client.pem'), t.path('client.key')];
      copyFileSync(other.clientCert, certFile);
      copyFileSync(other.clientKey, keyFile);
      const tier1 = await start('tier1-rotate.yaml', tier1Config(`{ ca_file: ${ca.caCert}, cert_file: ${certFile}, key_file: ${keyFile} }`));
      await send(tier1, 3);
      await tier1.waitForLog((l) => String(l.msg).startsWith('Send failed, retrying'), 15_000);
      expect(totalHits(await counts())).toBe(0);
      // ... then the files are replaced by a trusted one and the gateway reloads: new points land.
      copyFileSync(ca.clientCert, certFile);
      copyFileSync(ca.clientKey, keyFile);
      tier1.child.kill('SIGHUP');
      await tier1.waitForLog((l) => l.msg === 'Configuration reloaded.');
      await send(tier1, 4);
      await settled(SERIES);
    }, 90_000);
  });
}

tlsSuite('http');
tlsSuite('grpc');
