import { createSecureContext } from 'node:tls';
import { Client, credentials, Metadata, status, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import { SendError } from '../../src/exporterhelper/retry.ts';
import type { Signal } from '../../src/model/common.ts';
import { decodeRetryDelayMs } from '../../src/otlp/decode/index.ts';
import { OTLP_GRPC_METHOD } from '../../src/otlp/grpc-methods.ts';
import { VERSION } from '../../src/version.ts';
import type { OtlpClient, OtlpClientOptions } from './otlp-client.ts';

/**
 * The codes the OTLP spec says to retry (the Collector's exporters do the same); any other is permanent.
 * RESOURCE_EXHAUSTED is retried: a receiver over a limit (Switchyard's, the Collector's) answers it with
 * a RetryInfo, and the spec retries it then.
 */
const RETRYABLE = new Set<number>([status.CANCELLED, status.DEADLINE_EXCEEDED, status.RESOURCE_EXHAUSTED, status.ABORTED, status.OUT_OF_RANGE, status.UNAVAILABLE, status.DATA_LOSS]);

const passThrough = (b: Buffer): Buffer => b;

/**
 * One backend's OTLP/gRPC client: the unary Export call of each signal's service on one HTTP/2 channel
 * (plaintext, or TLS with `tls`), with the request already encoded as OTLP protobuf. `compression: gzip` compresses every
 * message (grpc-encoding gzip, which every OTLP receiver accepts). A RetryInfo in the error's
 * `grpc-status-details-bin` becomes the retry delay, as the SDKs and the Collector honour it.
 */
export class OtlpGrpcClient implements OtlpClient {
  private readonly client: Client;

  constructor(
    private readonly backend: string,
    private readonly options: OtlpClientOptions,
  ) {
    const tls = options.tls;
    const channel: ChannelCredentials = tls ? credentials.createFromSecureContext(createSecureContext(tls.context), { rejectUnauthorized: tls.rejectUnauthorized }) : credentials.createInsecure();
    this.client = new Client(backend, channel, {
      // The name the certificate is checked against, and the :authority sent.
      ...(tls?.servername ? { 'grpc.ssl_target_name_override': tls.servername, 'grpc.default_authority': tls.servername } : {}),
      'grpc.primary_user_agent': `Switchyard/${VERSION}`,
      // 2 = gzip in grpc-js's CompressionAlgorithms.
      ...(options.compression === 'gzip' ? { 'grpc.default_compression_algorithm': 2 } : {}),
      // A backend that went away is found again at the next call, not after grpc-js's reconnect backoff (up to 120 s).
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 1000,
    });
  }

  send(signal: Signal, body: Buffer): Promise<void> {
    const metadata = new Metadata();
    for (const [k, v] of Object.entries(this.options.headers)) metadata.set(k.toLowerCase(), v);
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(OTLP_GRPC_METHOD[signal], passThrough, passThrough, body, metadata, { deadline: Date.now() + this.options.timeoutMs }, (error: ServiceError | null) => {
        if (!error) return resolve();
        const details = error.metadata?.get('grpc-status-details-bin')[0];
        const retryAfterMs = details instanceof Buffer ? decodeRetryDelayMs(details) : undefined;
        const text = error.details.replace(/[^\x20-\x7e]+/g, ' ').trim().slice(0, 300);
        reject(new SendError(`${this.backend} answered ${status[error.code]}: ${text}`, RETRYABLE.has(error.code), `grpc_${status[error.code]}`, retryAfterMs));
      });
    });
  }

  close(): void {
    this.client.close();
  }
}
