import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otlpReceiverFactory } from '../../../receivers/otlp/factory.ts';
import { silentSettings } from '../../helpers/silent-settings.ts';

const settings = silentSettings('otlp');
const receiver = otlpReceiverFactory.create(settings, otlpReceiverFactory.configSchema.parse({ protocols: { http: { endpoint: '127.0.0.1:0', max_request_body_size: 1_000_000 } } }), {
  metrics: { consumeMetrics: async () => {} },
});
let address = '';
beforeAll(async () => {
  await receiver.start();
  address = settings.details['endpoint.http'] as string;
});
afterAll(() => receiver.shutdown());

/**
 * A chunked upload that never ends, from a client that keeps sending (a 64 KiB chunk every 5 ms) and
 * reads nothing until `readAfterMs` after it passed the limit, as a client busy writing would: what it
 * reads then, and the error its socket ended with, if any.
 */
function keepsSending(readAfterMs: number): Promise<{ text: string; error: string | undefined }> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  const socket = connect({ host, port });
  socket.pause();
  socket.write('POST /v1/metrics HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/x-protobuf\r\nTransfer-Encoding: chunked\r\n\r\n');
  const chunk = Buffer.concat([Buffer.from('10000\r\n'), Buffer.alloc(0x10000, 1), Buffer.from('\r\n')]);
  let written = 0;
  let text = '';
  let error: string | undefined;
  return new Promise((resolve) => {
    const writer = setInterval(() => {
      if (socket.destroyed || !socket.writable) return;
      socket.write(chunk);
      written += chunk.length;
      if (written > 1_000_000 && !reading) reading = setTimeout(() => socket.resume(), readAfterMs);
    }, 5);
    let reading: NodeJS.Timeout | undefined;
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (text += d));
    socket.on('error', (e: NodeJS.ErrnoException) => (error ??= e.code ?? e.message));
    socket.on('close', () => {
      clearInterval(writer);
      clearTimeout(reading);
      resolve({ text, error });
    });
  });
}

describe('OTLP/HTTP: a chunked body over max_request_body_size from a client that keeps sending', () => {
  it('reaches the client as the whole 413 with its message, though it read nothing for a while (the socket is closed lingering, not reset at once)', async () => {
    const { text, error } = await keepsSending(300);
    expect(text.split('\r\n')[0], `socket error: ${error}`).toBe('HTTP/1.1 413 Payload Too Large');
    expect(text).toMatch(/connection: close/i);
    expect(text).toContain('over max_request_body_size (1000000 bytes)');
  }, 30_000);
});
