import { MessageChannel } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import type { Component } from '../../../src/component/component.ts';
import { otlpReceiverFactory } from '../../../receivers/otlp/factory.ts';
import { loadBody } from '../../helpers/otlp-load.ts';
import { silentSettings } from '../../helpers/silent-settings.ts';

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('OTLP/HTTP receiver handing bodies over undecoded (--workers N)', () => {
  it('releases the bytes in flight of a body whose buffer was moved to another thread', async () => {
    const { proto } = await loadBody();
    const moved: number[] = [];
    const channel = new MessageChannel();
    cleanups.push(() => channel.port1.close());
    const settings = silentSettings('otlp');
    const receiver: Component = otlpReceiverFactory.create(
      settings,
      // Room for one body at a time: a body whose bytes are not given back refuses every later one.
      otlpReceiverFactory.configSchema.parse({ protocols: { http: { endpoint: '127.0.0.1:0', max_request_bytes_in_flight: proto.length + 10 } } }),
      {
        // Not called: a protobuf body goes to otlpProto when the host offers it (the metrics route must exist).
        metrics: { consumeMetrics: async () => {} },
        otlpProto: {
          // As the worker pool does: the body's buffer moves to the worker thread, leaving it 0 bytes long here.
          exportProto: async (_signal, body) => {
            channel.port1.postMessage(body, [body.buffer as ArrayBuffer]);
            moved.push(body.length);
            return { kind: 'done', items: 0, rejected: 0, droppedAttributes: 0, truncatedValues: 0 };
          },
        },
      },
    );
    await receiver.start();
    cleanups.push(() => receiver.shutdown());
    const url = `http://${settings.details['endpoint.http'] as string}/v1/metrics`;
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(url, { method: 'POST', body: Buffer.from(proto), headers: { 'content-type': 'application/x-protobuf' } });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    expect(moved).toEqual([0, 0, 0, 0]);
    expect(statuses).toEqual([200, 200, 200, 200]);
  });
});
