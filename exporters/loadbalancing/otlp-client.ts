import type { ClientTls } from '../../src/listener/client-tls.ts';
import type { Signal } from '../../src/model/common.ts';

/** What each backend gets from `protocol.otlp`, whatever the transport. */
export interface OtlpClientOptions {
  timeoutMs: number;
  headers: Record<string, string>;
  compression: 'gzip' | 'none';
  /** `protocol.otlp.tls`, its files already read; undefined: plaintext. */
  tls: ClientTls | undefined;
}

/** One backend's OTLP client: sends an encoded export request; rejects with a SendError (retryable or not). */
export interface OtlpClient {
  send(signal: Signal, body: Buffer): Promise<void>;
  /** Frees its connections once the backend's senders are shut down. */
  close(): void;
}
