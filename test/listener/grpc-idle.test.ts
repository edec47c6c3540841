import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterAll, describe, expect, it } from 'vitest';
import type { Component } from '../../src/component/component.ts';
import { otlpReceiverFactory } from '../../receivers/otlp/factory.ts';
import { freePort } from '../helpers/prometheus-server.ts';
import { ManualReader } from '../helpers/sdk-bodies.ts';
import { silentSettings } from '../helpers/silent-settings.ts';
import { makeTestCa } from '../helpers/test-ca.ts';
import { tempFiles } from '../helpers/temp-files.ts';

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** An OTLP/gRPC receiver with `grpc` settings; answers its address and how many batches it took. */
async function startGrpc(grpc: Record<string, unknown>): Promise<{ address: string; received: () => number }> {
  const settings = silentSettings('otlp');
  let received = 0;
  const receiver: Component = otlpReceiverFactory.create(settings, otlpReceiverFactory.configSchema.parse({ protocols: { grpc: { endpoint: '127.0.0.1:0', ...grpc } } }), {
    metrics: { consumeMetrics: async () => void received++ },
  });
  await receiver.start();
  cleanups.push(() => receiver.shutdown());
  return { address: settings.details['endpoint.grpc'] as string, received: () => received };
}

/** Resolves true once the gateway closed `socket`, false if it is still open after `ms`. */
function closedWithin(socket: Socket, ms: number): Promise<boolean> {
  cleanups.push(() => socket.destroy());
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('close', () => (clearTimeout(timer), resolve(true)));
    socket.on('error', () => {});
    socket.resume(); // read (and drop) what the server sends: its SETTINGS, then GOAWAY
  });
}

function tcp(address: string): Socket {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return tcpConnect({ host, port });
}

/** An HTTP/2 frame header: 24-bit length, type, flags, stream id. */
function frameHeader(length: number, type: number, flags: number, stream: number): Buffer {
  const b = Buffer.alloc(9);
  b.writeUIntBE(length, 0, 3);
  b[3] = type;
  b[4] = flags;
  b.writeUInt32BE(stream, 5);
  return b;
}

const IDLE = { keepalive: { server_parameters: { max_connection_idle: '300ms' } } };

describe('the OTLP/gRPC listener, keepalive.server_parameters.max_connection_idle', () => {
  it('closes a connection that never sends a byte, and keeps one with the default setting open longer', async () => {
    const cut = await startGrpc(IDLE);
    const kept = await startGrpc({});
    const [silentCut, silentKept] = await Promise.all([closedWithin(tcp(cut.address), 10_000), closedWithin(tcp(kept.address), 1_500)]);
    expect(silentCut).toBe(true);
    expect(silentKept).toBe(false); // the default, 2m: the cut above is the setting's doing
  });

  it('closes a connection that trickles a header block that never ends (no call ever starts)', async () => {
    const { address, received } = await startGrpc(IDLE);
    const socket = tcp(address);
    const closed = closedWithin(socket, 10_000);
    await new Promise((resolve) => socket.once('connect', resolve));
    // The client preface, an empty SETTINGS, then a HEADERS frame (no END_HEADERS) of 16,000 bytes: one
    // literal header "x" whose 15,000-byte value arrives a byte every 50 ms.
    socket.write(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), frameHeader(0, 4, 0, 0), frameHeader(16_000, 1, 0, 1)]));
    socket.write(Buffer.from([0x00, 0x01, 0x78, 0x7f, ...varint(15_000 - 127)]));
    let trickled = 0;
    const trickle = setInterval(() => {
      if (!socket.destroyed) socket.write('a');
      trickled++;
    }, 50);
    cleanups.push(() => clearInterval(trickle));
    expect(await closed).toBe(true);
    clearInterval(trickle);
    expect(trickled).toBeGreaterThan(0);
    expect(received()).toBe(0);
  });

  it('closes a TLS connection that completed its handshake and then stays silent', async () => {
    const t = tempFiles({});
    cleanups.push(t.cleanup);
    const ca = makeTestCa(t.dir);
    const { address } = await startGrpc({ ...IDLE, tls: { cert_file: ca.serverCert, key_file: ca.serverKey } });
    const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
    const socket = tlsConnect({ host, port, ca: ca.read(ca.caCert), ALPNProtocols: ['h2'] });
    const closed = closedWithin(socket, 10_000);
    await new Promise((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
    expect(socket.alpnProtocol).toBe('h2');
    expect(await closed).toBe(true);
  });

  it('applies a max_connection_idle changed by a reload to new connections of the port it keeps', async () => {
    const port = await freePort();
    const endpoint = `127.0.0.1:${port}`;
    const make = (idle: string) => {
      const settings = silentSettings('otlp');
      const component = otlpReceiverFactory.create(settings, otlpReceiverFactory.configSchema.parse({ protocols: { grpc: { endpoint, keepalive: { server_parameters: { max_connection_idle: idle } } } } }), {
        metrics: { consumeMetrics: async () => {} },
      });
      cleanups.push(() => component.shutdown());
      return component;
    };
    const before = make('0s'); // never
    await before.start();
    expect(await closedWithin(tcp(endpoint), 1_000)).toBe(false);
    const after = make('300ms');
    after.takeOver!(await before.handOver!());
    await after.start();
    expect(await closedWithin(tcp(endpoint), 10_000)).toBe(true);
  });

  it('lets an SDK exporter whose idle connection was closed export again (it reconnects)', async () => {
    const { address, received } = await startGrpc(IDLE);
    const exporter = new OTLPMetricExporter({ url: `http://${address}` });
    cleanups.push(() => exporter.shutdown());
    const reader = new ManualReader();
    const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'svc' }), readers: [reader] });
    cleanups.push(() => provider.shutdown());
    provider.getMeter('m').createCounter('c').add(1);
    const exportOnce = async () => {
      const { resourceMetrics } = await reader.collect();
      return new Promise<number>((resolve) => exporter.export(resourceMetrics, (r) => resolve(r.code)));
    };
    expect(await exportOnce()).toBe(0);
    await sleep(1_000); // idle past max_connection_idle: the gateway sent GOAWAY and closed it
    expect(await exportOnce()).toBe(0);
    expect(received()).toBe(2);
  });
});

/** An HPACK integer's continuation bytes (after a prefix filled with ones). */
function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 128) {
    out.push((n % 128) + 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
