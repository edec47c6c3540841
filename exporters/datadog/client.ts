import { SendError, parseRetryAfter } from '../../src/exporterhelper/retry.ts';
import { VERSION } from '../../src/version.ts';

/**
 * DataDog's metrics intake: `POST /api/v2/series` with `DD-API-KEY`, gzip. 202 is success; 408, 429
 * and 5xx are retried; 400, 403 and 413 are not.
 */
export class DatadogClient {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
    private readonly timeoutMs = 15_000,
  ) {}

  async sendSeries(gzipped: Buffer): Promise<void> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}/api/v2/series`, {
        method: 'POST',
        headers: { 'DD-API-KEY': this.apiKey, 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'User-Agent': `Switchyard/${VERSION}` },
        body: gzipped as unknown as BodyInit,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const timeout = (error as Error).name === 'TimeoutError';
      throw new SendError(timeout ? `no answer within ${this.timeoutMs} ms` : `cannot reach ${this.baseUrl}: ${(error as Error).message}`, true, timeout ? 'timeout' : 'connection');
    }
    const text = (await res.text()).slice(0, 500);
    if (res.status >= 200 && res.status < 300) return;
    const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
    throw new SendError(`DataDog answered ${res.status}: ${text}`, retryable, `http_${res.status}`, parseRetryAfter(res.headers.get('retry-after')));
  }

  /** `GET /api/v1/validate`: whether the key is accepted. */
  async validateKey(): Promise<{ valid: boolean; detail: string }> {
    try {
      const res = await fetch(`${this.baseUrl}/api/v1/validate`, { headers: { 'DD-API-KEY': this.apiKey }, signal: AbortSignal.timeout(this.timeoutMs) });
      return { valid: res.ok, detail: `${res.status} ${(await res.text()).slice(0, 200)}` };
    } catch (error) {
      return { valid: false, detail: (error as Error).message };
    }
  }
}
