import { connect, nanos, RetentionPolicy, StorageType, type NatsConnection } from 'nats';
import type { Signal } from '../model/common.ts';
import type { NatsStreamConfig } from './stream-config.ts';

/** Connects, reconnecting for ever (the connection buffers while the server is away). */
export function connectNats(config: NatsStreamConfig, name: string): Promise<NatsConnection> {
  return connect({ servers: config.url.split(',').map((s) => s.trim()), name, maxReconnectAttempts: -1, reconnectTimeWait: 500 });
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
