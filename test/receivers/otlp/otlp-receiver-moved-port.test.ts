import { credentials, makeGenericClientConstructor, status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import type { Component } from '../../../src/component/component.ts';
import { otlpReceiverFactory } from '../../../receivers/otlp/factory.ts';
import { gaugePointsRequest } from '../../helpers/otlp-json-request.ts';
import { loadBody } from '../../helpers/otlp-load.ts';
import { freePort } from '../../helpers/prometheus-server.ts';
import { silentSettings } from '../../helpers/silent-settings.ts';

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** An OTLP receiver on fixed ports; `taken` counts the batches it handed on. */
function receiver(http: number, grpc: number): { component: Component; taken: () => number } {
  let taken = 0;
  const component = otlpReceiverFactory.create(
    silentSettings('otlp'),
    otlpReceiverFactory.configSchema.parse({ protocols: { http: { endpoint: `127.0.0.1:${http}` }, grpc: { endpoint: `127.0.0.1:${grpc}` } } }),
    { metrics: { consumeMetrics: async () => void taken++ } },
  );
  cleanups.push(() => component.shutdown());
  return { component, taken: () => taken };
}

const id = (b: Buffer) => b;
const MetricsClient = makeGenericClientConstructor(
  { Export: { path: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export', requestStream: false, responseStream: false, requestSerialize: id, requestDeserialize: id, responseSerialize: id, responseDeserialize: id } },
  'MetricsService',
);

describe('an OTLP receiver whose successor (a reload) listens on other ports', () => {
  it('hands the requests and calls that reached the old ports during the swap to the successor, then closes them', async () => {
    const [http1, grpc1, http2, grpc2] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const before = receiver(http1!, grpc1!);
    await before.component.start();
    const body = (await loadBody(1, 5)).proto;
    const client = new MetricsClient(`127.0.0.1:${grpc1}`, credentials.createInsecure()) as unknown as { Export(b: Buffer, cb: (e: ServiceError | null) => void): void; close(): void };
    cleanups.push(() => client.close());
    // A connection made before the swap, as an SDK's channel is.
    expect(await new Promise((resolve) => client.Export(Buffer.from(body), resolve))).toBeNull();

    const handover = await before.component.handOver!();
    // Sent while no receiver owns the ports: held.
    const httpHeld = fetch(`http://127.0.0.1:${http1}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: gaugePointsRequest(1, 'held') });
    const grpcHeld = new Promise<ServiceError | null>((resolve) => client.Export(Buffer.from(body), resolve));
    await new Promise((resolve) => setTimeout(resolve, 200));

    const after = receiver(http2!, grpc2!);
    after.component.takeOver!(handover);
    await after.component.start();
    expect((await httpHeld).status).toBe(200);
    const grpcError = await grpcHeld;
    expect(grpcError?.code ?? status.OK, grpcError?.details).toBe(status.OK);
    expect(after.taken()).toBe(2);
    // The old ports are closed, the new ones serve.
    await expect(fetch(`http://127.0.0.1:${http1}/v1/metrics`, { method: 'POST', body: '{}' })).rejects.toThrow();
    const moved = await fetch(`http://127.0.0.1:${http2}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: gaugePointsRequest(1, 'moved') });
    expect(moved.status).toBe(200);
  });
});
