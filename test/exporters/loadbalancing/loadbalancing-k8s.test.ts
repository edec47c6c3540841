import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type GatewayProcess } from '../../helpers/gateway-process.ts';
import { startKubernetesApi, type KubernetesApiStandIn } from '../../helpers/kubernetes-api.ts';
import { downstreamConfig, lbHits, roundRequest, totalHits } from '../../helpers/loadbalancing-rounds.ts';
import { eventually } from '../../helpers/prometheus-server.ts';
import { tempFiles } from '../../helpers/temp-files.ts';

/*
 * resolver.k8s end to end: a real tier-1 gateway finds two real tier-2 gateways through the
 * EndpointSlices of a Service, served by the schema-checked stand-in API (test/helpers/kubernetes-api.ts).
 * Pods share one port and differ by address, as in a cluster: 127.0.0.1 and 127.0.0.2 (both loopback).
 */
const SERIES = 200;

describe('loadbalancing exporter with resolver.k8s, in front of real gateways', () => {
  const t = tempFiles({});
  let api: KubernetesApiStandIn;
  const tier2: GatewayProcess[] = [];
  let tier1: GatewayProcess;
  let port = 0;

  const tier2Config = (address: string) => downstreamConfig(`{ http: { endpoint: "${address}:${port}" } }`);

  async function send(round: number): Promise<void> {
    const res = await fetch(`http://${tier1.endpoints['otlp.http']}/v1/metrics`, { method: 'POST', body: roundRequest(round, SERIES), headers: { 'content-type': 'application/json' } });
    await res.arrayBuffer();
    expect(res.status).toBe(200);
  }

  const counts = () => Promise.all(tier2.map((g) => lbHits(g.endpoints.prometheus!)));
  const settled = (expected: number) => eventually(async () => {
    const maps = await counts();
    return totalHits(maps) >= expected ? maps : undefined;
  }, 30_000, `${expected} counts on tier 2`);
  const backendsAre = (expected: string[]) => tier1.waitForLog((l) => l.msg === 'Backends changed.' && JSON.stringify(l.backends) === JSON.stringify(expected));

  beforeAll(async () => {
    api = await startKubernetesApi(t.dir, { name: 'switchyard-tier2', namespace: 'monitoring' });
    writeFileSync(t.path('a.yaml'), tier2Config('127.0.0.1'));
    tier2.push(await startGateway(t.path('a.yaml')));
    port = Number(new URL(`http://${tier2[0]!.endpoints['otlp.http']}`).port);
    writeFileSync(t.path('b.yaml'), tier2Config('127.0.0.2'));
    tier2.push(await startGateway(t.path('b.yaml')));
    api.setSlice('switchyard-tier2-x1', [{ addresses: ['127.0.0.1'] }, { addresses: ['127.0.0.2'], ready: false }]);
    writeFileSync(t.path('tier1.yaml'), `receivers:
  otlp: { protocols: { http: { endpoint: "127.0.0.1:0" } } }
exporters:
  loadbalancing:
    routing_key: streamID
    protocol:
      otlp: { timeout: 2s, batch_send_deadline: 100ms, retry_on_failure: { initial_interval: 200ms, max_interval: 1s, max_elapsed_time: 0s } }
    resolver:
      k8s: { service: switchyard-tier2.monitoring, ports: [${port}] }
service:
  admin: { endpoint: "127.0.0.1:0" }
  pipelines:
    metrics: { receivers: [otlp], exporters: [loadbalancing] }
`);
    tier1 = await startGateway(t.path('tier1.yaml'), api.env);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([tier1, ...tier2].map((g) => g?.stop()));
    await api?.close();
    t.cleanup();
  });

  it('starts with the ready pod only, takes the second when it turns ready, and drops one that is no longer ready', async () => {
    await backendsAre([`127.0.0.1:${port}`]);
    await send(1);
    let maps = await settled(SERIES);
    expect(maps[0]!.size).toBe(SERIES);
    expect(maps[1]!.size).toBe(0);

    api.setSlice('switchyard-tier2-x1', [{ addresses: ['127.0.0.1'] }, { addresses: ['127.0.0.2'] }]);
    await backendsAre([`127.0.0.1:${port}`, `127.0.0.2:${port}`]);
    await send(2);
    maps = await settled(2 * SERIES);
    await new Promise((r) => setTimeout(r, 500));
    expect(totalHits(await counts())).toBe(2 * SERIES);
    const moved = [...maps[1]!.keys()];
    expect(moved.length).toBeGreaterThan(0);
    // A series that moved has 1 on each; one that stayed has 2 on the first.
    for (let i = 0; i < SERIES; i++) {
      const key = `s${i}`;
      if (maps[1]!.has(key)) expect([maps[0]!.get(key), maps[1]!.get(key)], key).toEqual([1, 1]);
      else expect(maps[0]!.get(key), key).toBe(2);
    }

    api.setSlice('switchyard-tier2-x1', [{ addresses: ['127.0.0.1'], ready: false }, { addresses: ['127.0.0.2'] }]);
    await backendsAre([`127.0.0.2:${port}`]);
    await send(3);
    maps = await settled(3 * SERIES);
    expect(totalHits([maps[1]!]) - moved.length).toBe(SERIES);
    expect(api.refused).toEqual([]);
  }, 90_000);
});
