import { request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import { compressSync } from 'snappy';
import { SendError, parseRetryAfter } from '../../src/exporterhelper/retry.ts';
import { VERSION } from '../../src/version.ts';
import { registerSecret } from '../../src/config/secret-values.ts';
import type { RemoteWriteConfig } from './config.ts';

/** What Prometheus, Mimir, Cortex and Thanos say when they refuse a sample rather than the request. */
const REFUSED_SAMPLE = /out of order|out of bounds|duplicate sample|too old|too far in the future/i;

/**
 * One remote-write 1.0 request: snappy-compressed protobuf with the spec's headers. 2xx is success;
 * 429 and 5xx are retryable (the spec allows retrying 429; we do); any other answer is permanent.
 */
export class RemoteWriteClient {
  private readonly url: URL;
  private readonly headers: Record<string, string>;
  private readonly agent: HttpsAgent | undefined;

  constructor(private readonly config: RemoteWriteConfig) {
    this.url = new URL(config.endpoint);
    this.headers = {
      ...config.headers,
      'Content-Encoding': 'snappy',
      'Content-Type': 'application/x-protobuf',
      'X-Prometheus-Remote-Write-Version': '0.1.0',
      'User-Agent': `Switchyard/${VERSION}`,
    };
    if (config.basic_auth) {
      this.headers.Authorization = `Basic ${Buffer.from(`${config.basic_auth.username}:${config.basic_auth.password}`).toString('base64')}`;
      registerSecret(this.headers.Authorization.slice('Basic '.length));
    }
    else if (config.bearer_token) this.headers.Authorization = `Bearer ${config.bearer_token}`;
    if (this.url.protocol === 'https:') {
      this.agent = new HttpsAgent({ keepAlive: true, ca: config.tls.ca_file ? readFileSync(config.tls.ca_file) : undefined, rejectUnauthorized: !config.tls.insecure_skip_verify });
    }
  }

  send(writeRequest: Buffer): Promise<void> {
    const body = compressSync(writeRequest, { copyOutputData: true } as never) as Buffer;
    const request = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(this.url, { method: 'POST', headers: { ...this.headers, 'Content-Length': body.length }, agent: this.agent, timeout: this.config.timeout }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve();
          const text = Buffer.concat(chunks).toString('utf8').trim().slice(0, 500);
          const retryable = status === 429 || status >= 500;
          // Prometheus refuses (and rolls back) a whole request for one out-of-order, duplicate or too old
          // sample: the sender splits it so the others still land.
          const sampleRefused = status === 400 && REFUSED_SAMPLE.test(text);
          reject(new SendError(`remote write answered ${status}: ${text}`, retryable, sampleRefused ? 'out_of_order' : `http_${status}`, parseRetryAfter(res.headers['retry-after'] as string | undefined), sampleRefused));
        });
        res.on('error', (e) => reject(new SendError(e.message, true, 'connection')));
      });
      req.on('timeout', () => req.destroy(new SendError(`no answer within ${this.config.timeout} ms`, true, 'timeout')));
      req.on('error', (e) => reject(e instanceof SendError ? e : new SendError(`cannot reach ${this.url.host}: ${e.message}`, true, 'connection')));
      req.end(body);
    });
  }
}
