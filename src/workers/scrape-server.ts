import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { ScrapeListener, ScrapePage, ScrapeRequest } from '../component/component.ts';
import type { BearerAuth } from '../listener/bearer-auth.ts';
import { openHttpListener, type HttpListener } from '../listener/http-handover.ts';
import { refuseUnauthorized } from '../listener/http-listener.ts';
import { loadListenerSecurity } from '../listener/secrets.ts';

/**
 * A pull exporter's endpoint served by the main thread with `--workers N`: each scrape asks every
 * worker for its page and answers with one merged page, as the single process would (gzip when the
 * scraper accepts it), behind the exporter's own auth and TLS.
 */
export class ScrapeServer {
  private bound: HttpListener | undefined;
  private auth: BearerAuth | undefined;

  constructor(
    private readonly listener: ScrapeListener,
    private readonly pages: (request: ScrapeRequest) => Promise<ScrapePage>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Listens, or takes `adopted` (a reload) when bound with the same endpoint and kind of TLS: the port never refuses a scrape. */
  async start(adopted?: HttpListener): Promise<string> {
    const security = loadListenerSecurity(this.listener, []);
    this.auth = security.auth;
    const refuseHeld = (_req: IncomingMessage, res: ServerResponse) => res.writeHead(503, { 'Retry-After': '1', Connection: 'close' }).end();
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((error: unknown) => {
        this.onError(error);
        if (!res.headersSent) res.writeHead(503, { 'Content-Type': 'text/plain' }).end('a worker did not answer the scrape\n');
      });
    };
    this.bound = await openHttpListener({ endpoint: this.listener.endpoint, tls: security.tls, options: {}, path: ['endpoint'], refuseHeld }, handler, adopted);
    return this.bound.address;
  }

  async close(): Promise<void> {
    const bound = this.bound;
    this.bound = undefined;
    await bound?.close();
  }

  /** A reload: stops answering but stays bound; scrapes wait for the next server of this exporter. */
  handOver(): HttpListener | undefined {
    const bound = this.bound;
    this.bound = undefined;
    bound?.relay.detach();
    return bound;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (refuseUnauthorized(this.auth, req, res)) return;
    if (path !== '/metrics' && path !== '/') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('the metrics are at /metrics\n');
      return;
    }
    const { body, contentType, gzip } = await this.pages({ accept: req.headers.accept, acceptEncoding: req.headers['accept-encoding'] });
    if (gzip) res.writeHead(200, { 'Content-Type': contentType, 'Content-Encoding': 'gzip' }).end(gzipSync(body));
    else res.writeHead(200, { 'Content-Type': contentType }).end(body);
  }
}
