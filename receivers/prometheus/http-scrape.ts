import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createGunzip } from 'node:zlib';
import { ConfigFault } from '../../src/component/component.ts';
import { VERSION } from '../../src/version.ts';
import type { ScrapeConfig } from './config.ts';

/** What Prometheus 2.x asks for: OpenMetrics first, then the 0.0.4 text format. */
const ACCEPT = 'application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2';

export interface ScrapeResponse {
  body: string;
  contentType: string | undefined;
}

export interface Fetcher {
  /** Fetches one target's page; rejects on a non-2xx status, a timeout, or a body over the limit. */
  fetch(target: string): Promise<ScrapeResponse>;
  /** Closes kept-alive connections. */
  close(): void;
}

/**
 * The HTTP side of one job: its scheme, path, auth and TLS settings resolved once (files read at
 * start, so a missing file is a start-up error naming the key), then one GET per scrape.
 */
export function jobFetcher(job: ScrapeConfig, jobPath: readonly (string | number)[]): Fetcher {
  const read = (file: string, key: string[]) => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new ConfigFault([...jobPath, ...key], `cannot read ${file}: ${(error as Error).message}`);
    }
  };
  const headers: Record<string, string> = {
    Accept: ACCEPT,
    'Accept-Encoding': 'gzip',
    'User-Agent': `switchyard/${VERSION}`,
    'X-Prometheus-Scrape-Timeout-Seconds': String(job.scrape_timeout / 1000),
  };
  if (job.basic_auth) {
    const password = job.basic_auth.password_file ? read(job.basic_auth.password_file, ['basic_auth', 'password_file']).toString('utf8').trim() : (job.basic_auth.password ?? '');
    headers.Authorization = `Basic ${Buffer.from(`${job.basic_auth.username}:${password}`).toString('base64')}`;
  }
  if (job.authorization) {
    const credentials = job.authorization.credentials_file ? read(job.authorization.credentials_file, ['authorization', 'credentials_file']).toString('utf8').trim() : (job.authorization.credentials ?? '');
    headers.Authorization = `${job.authorization.type} ${credentials}`;
  }
  const tls = job.tls_config;
  const agent =
    job.scheme === 'https'
      ? new https.Agent({
          keepAlive: true,
          ...(tls?.ca_file ? { ca: read(tls.ca_file, ['tls_config', 'ca_file']) } : {}),
          ...(tls?.cert_file ? { cert: read(tls.cert_file, ['tls_config', 'cert_file']) } : {}),
          ...(tls?.key_file ? { key: read(tls.key_file, ['tls_config', 'key_file']) } : {}),
          ...(tls?.server_name ? { servername: tls.server_name } : {}),
          ...(tls?.min_version ? { minVersion: tls.min_version === 'TLS13' ? ('TLSv1.3' as const) : ('TLSv1.2' as const) } : {}),
          rejectUnauthorized: !(tls?.insecure_skip_verify ?? false),
        })
      : new http.Agent({ keepAlive: true });
  const query = new URLSearchParams();
  for (const [k, vs] of Object.entries(job.params)) for (const v of vs) query.append(k, v);
  const search = query.size > 0 ? `?${query.toString()}` : '';
  const lib = job.scheme === 'https' ? https : http;

  const fetch = (target: string) =>
    new Promise<ScrapeResponse>((resolve, reject) => {
      const url = new URL(`${job.scheme}://${target}${job.metrics_path}${search}`);
      // The whole scrape, not one socket read, is bounded by scrape_timeout.
      const timer = setTimeout(() => req.destroy(new Error(`scrape timed out after ${job.scrape_timeout / 1000}s (scrape_timeout)`)), job.scrape_timeout);
      const fail = (error: Error) => {
        clearTimeout(timer);
        reject(error);
      };
      const req = lib.get(url, { agent, headers }, (res) => {
        if (res.statusCode === undefined || res.statusCode < 200 || res.statusCode > 299) {
          res.resume();
          fail(new Error(`server returned HTTP status ${res.statusCode ?? '?'} ${res.statusMessage ?? ''}`.trim()));
          return;
        }
        const stream = /gzip/i.test(res.headers['content-encoding'] ?? '') ? res.pipe(createGunzip()) : res;
        const chunks: Buffer[] = [];
        let size = 0;
        stream.on('data', (c: Buffer) => {
          size += c.length;
          if (job.body_size_limit > 0 && size > job.body_size_limit) {
            req.destroy(new Error(`body larger than body_size_limit (${job.body_size_limit} bytes)`));
            return;
          }
          chunks.push(c);
        });
        stream.on('error', fail);
        res.on('error', fail);
        stream.on('end', () => {
          clearTimeout(timer);
          resolve({ body: Buffer.concat(chunks).toString('utf8'), contentType: res.headers['content-type'] });
        });
      });
      req.on('error', fail);
    });
  return { fetch, close: () => agent.destroy() };
}
