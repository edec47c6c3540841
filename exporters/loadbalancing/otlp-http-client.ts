import { request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { gzipSync } from 'node:zlib';
import { SendError, parseRetryAfter } from '../../src/exporterhelper/retry.ts';
import type { Signal } from '../../src/model/common.ts';
import { VERSION } from '../../src/version.ts';
import type { OtlpClient, OtlpClientOptions } from './otlp-client.ts';


/**
 * One backend's OTLP/HTTP client: protobuf POSTs to `http://<backend>/v1/<signal>`, or with `tls` to
 * `https://` (its own keep-alive agent holding the CA and client certificate). 2xx is success;
 * 429, 502, 503, 504 (the OTLP spec's retryable codes) and any other 5xx, timeouts, refused
 * connections and failed handshakes are retryable; any other answer is permanent.
 */
export class OtlpHttpClient implements OtlpClient {
  private readonly agent: HttpsAgent | undefined;

  constructor(
    private readonly backend: string,
    private readonly options: OtlpClientOptions,
  ) {
    const tls = options.tls;
    if (tls) this.agent = new HttpsAgent({ keepAlive: true, ...tls.context, rejectUnauthorized: tls.rejectUnauthorized, ...(tls.servername ? { servername: tls.servername } : {}) });
  }

  send(signal: Signal, body: Buffer): Promise<void> {
    const url = new URL(`${this.agent ? 'https' : 'http'}://${this.backend}/v1/${signal}`);
    const request = this.agent ? httpsRequest : httpRequest;
    const payload = this.options.compression === 'gzip' ? gzipSync(body) : body;
    const headers: Record<string, string | number> = { ...this.options.headers, 'Content-Type': 'application/x-protobuf', 'Content-Length': payload.length, 'User-Agent': `Switchyard/${VERSION}` };
    if (this.options.compression === 'gzip') headers['Content-Encoding'] = 'gzip';
    return new Promise((resolve, reject) => {
      const req = request(url, { method: 'POST', headers, timeout: this.options.timeoutMs, ...(this.agent ? { agent: this.agent } : {}) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve();
          const text = Buffer.concat(chunks).toString('utf8').replace(/[^\x20-\x7e]+/g, ' ').trim().slice(0, 300);
          reject(new SendError(`${url.host} answered ${status}: ${text}`, status === 429 || status >= 500, `http_${status}`, parseRetryAfter(res.headers['retry-after'] as string | undefined)));
        });
        res.on('error', (e) => reject(new SendError(e.message, true, 'connection')));
      });
      req.on('timeout', () => req.destroy(new SendError(`no answer from ${url.host} within ${this.options.timeoutMs} ms`, true, 'timeout')));
      req.on('error', (e) => reject(e instanceof SendError ? e : new SendError(`cannot reach ${url.host}: ${e.message}`, true, 'connection')));
      req.end(payload);
    });
  }

  /** Plaintext holds nothing open (node's global agent); TLS closes its agent's connections. */
  close(): void {
    this.agent?.destroy();
  }
}
