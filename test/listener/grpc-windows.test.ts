import { connect, type ClientHttp2Session } from 'node:http2';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { otlpReceiverFactory } from '../../receivers/otlp/factory.ts';
import { GRPC_CONNECTION_WINDOW, GRPC_STREAM_WINDOW } from '../../src/listener/grpc-listener.ts';
import { silentSettings } from '../helpers/silent-settings.ts';

const settings = silentSettings('otlp');
const receiver = otlpReceiverFactory.create(settings, otlpReceiverFactory.configSchema.parse({ protocols: { grpc: { endpoint: '127.0.0.1:0' } } }), {
  metrics: { consumeMetrics: async () => {} },
});
let session: ClientHttp2Session | undefined;
afterAll(async () => {
  session?.close();
  await receiver.shutdown();
});

describe('the OTLP/gRPC listener', () => {
  it('offers each connection wide HTTP/2 flow-control windows, not Node’s 64 KiB (a large message arrives without waiting on the event loop)', async () => {
    await receiver.start();
    session = connect(`http://${settings.details['endpoint.grpc'] as string}`);
    await new Promise<void>((resolve, reject) => session!.once('remoteSettings', () => resolve()).once('error', reject));
    // The stream window comes in a second SETTINGS frame, the connection window in a WINDOW_UPDATE.
    for (let i = 0; i < 100 && (session.remoteSettings.initialWindowSize !== GRPC_STREAM_WINDOW || session.state.remoteWindowSize! < GRPC_CONNECTION_WINDOW); i++) await sleep(10);
    expect(session.remoteSettings.initialWindowSize).toBe(GRPC_STREAM_WINDOW);
    expect(session.state.remoteWindowSize).toBe(GRPC_CONNECTION_WINDOW);
    expect(GRPC_STREAM_WINDOW).toBeGreaterThan(65_535);
  });
});
