import { connect, nanos, RetentionPolicy, StorageType, type NatsConnection, type TlsOptions } from 'nats';
import { readClientTls } from '../listener/client-tls.ts';
import type { Signal } from '../model/common.ts';
import type { NatsStreamConfig } from './stream-config.ts';

/**
 * Connects, reconnecting for ever (the connection buffers while the server is away). `tls` files are
 * read now (a component's start, so again on every reload), refused at `tls.<key>` when unusable.
 */
export function connectNats(config: NatsStreamConfig, name: string): Promise<NatsConnection> {
  const tls = readClientTls(config.tls, ['tls']);
  // nats.js hands its `tls` object to node's tls.connect, so Node's own options (minVersion, servername, …) apply.
  const tlsOptions = tls && ({ ...tls.context, rejectUnauthorized: tls.rejectUnauthorized, ...(tls.servername ? { servername: tls.servername } : {}) } as TlsOptions);
  return connect({ servers: config.url.split(',').map((s) => s.trim()), name, maxReconnectAttempts: -1, reconnectTimeWait: 500, ...(tlsOptions ? { tls: tlsOptions } : {}) }).catch((error: Error) => {
    // A server verifying clients drops one without a certificate after the handshake: nats.js sees only a TIMEOUT.
    const hint = tls && !tls.context.cert ? ' (tls has no cert_file and key_file: a server with verify: true refuses a client without a certificate)' : '';
    throw new Error(`cannot connect to NATS at ${config.url}: ${error.message}${hint}`, { cause: error });
  });
}

/** Creates a signal's stream when missing (and `create_stream` is on); an existing stream is left as it is. */
export async function ensureStream(nc: NatsConnection, config: NatsStreamConfig, signal: Signal): Promise<void> {
  const { stream, subject_prefix } = config[signal];
  const jsm = await nc.jetstreamManager();
  try {
    await jsm.streams.info(stream);
    return;
  } catch (error) {
    if (!config.create_stream) throw new Error(`JetStream stream ${stream} does not exist (create_stream is off): ${(error as Error).message}`);
  }
  try {
    await jsm.streams.add({ name: stream, subjects: [`${subject_prefix}.>`], storage: StorageType.File, retention: RetentionPolicy.Limits, duplicate_window: nanos(config.duplicate_window) });
  } catch (error) {
    // Another gateway created it first.
    await jsm.streams.info(stream).catch(() => {
      throw error;
    });
  }
}
