import { credentials, makeGenericClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import type { Component } from '../../../src/component/component.ts';
import { otlpReceiverFactory } from '../../../receivers/otlp/factory.ts';
import { sdkMetricsBodies } from '../../helpers/sdk-bodies.ts';
import { silentSettings } from '../../helpers/silent-settings.ts';

const id = (b: Buffer) => b;
const MetricsClient = makeGenericClientConstructor(
  { Export: { path: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export', requestStream: false, responseStream: false, requestSerialize: id, requestDeserialize: id, responseSerialize: id, responseDeserialize: id } },
  'MetricsService',
);

/** A receiver whose pipeline holds the event loop 80 ms a batch (a slow decode, say), shedding past 30 ms of waiting. */
async function slowReceiver() {
  const settings = silentSettings('otlp');
  const receiver: Component = otlpReceiverFactory.create(
    settings,
    otlpReceiverFactory.configSchema.parse({ protocols: { http: { endpoint: '127.0.0.1:0', max_queue_delay: '30ms' }, grpc: { endpoint: '127.0.0.1:0', max_queue_delay: '30ms' } } }),
    {
      metrics: {
        consumeMetrics: async () => {
          const until = performance.now() + 80;
          while (performance.now() < until);
        },
      },
    },
  );
  await receiver.start();
  cleanups.push(() => receiver.shutdown());
  return { http: settings.details['endpoint.http'] as string, grpc: settings.details['endpoint.grpc'] as string };
}

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('OTLP receiver under overload', () => {
  it('answers 503 with Retry-After, undecoded, to requests that waited past max_queue_delay for their turn', async () => {
    const r = await slowReceiver();
    const { proto } = await sdkMetricsBodies();
    const answers = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const res = await fetch(`http://${r.http}/v1/metrics`, { method: 'POST', body: proto as BodyInit, headers: { 'content-type': 'application/x-protobuf' } });
        await res.arrayBuffer();
        return { status: res.status, retryAfter: res.headers.get('retry-after') };
      }),
    );
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThan(0);
    const shed = answers.filter((a) => a.status !== 200);
    expect(shed.length).toBeGreaterThan(0);
    for (const a of shed) expect(a).toEqual({ status: 503, retryAfter: '1' });
  });

  it('answers UNAVAILABLE with a RetryInfo over gRPC', async () => {
    const r = await slowReceiver();
    const { proto } = await sdkMetricsBodies();
    const client = new MetricsClient(r.grpc, credentials.createInsecure());
    cleanups.push(() => client.close());
    const call = () =>
      new Promise<ServiceError | null>((resolve) => (client as unknown as { Export(b: Buffer, cb: (e: ServiceError | null) => void): void }).Export(Buffer.from(proto), (error) => resolve(error)));
    const errors = await Promise.all(Array.from({ length: 6 }, call));
    expect(errors.filter((e) => e === null).length).toBeGreaterThan(0);
    const shed = errors.filter((e): e is ServiceError => e !== null);
    expect(shed.length).toBeGreaterThan(0);
    for (const e of shed) {
      expect(e.code).toBe(14);
      expect(e.details).toContain('max_queue_delay (30 ms)');
      expect((e.metadata.get('grpc-status-details-bin')[0] as Buffer).toString('latin1')).toContain('google.rpc.RetryInfo');
    }
  });
});
