import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { ScrapeListener, ScrapePage, ScrapeRequest } from '../component/component.ts';
import { closeNow, listenOn } from '../config/listen.ts';
import type { BearerAuth } from '../listener/bearer-auth.ts';
import { createListenerServer, refuseUnauthorized } from '../listener/http-listener.ts';
import { loadListenerSecurity } from '../listener/secrets.ts';

/**
 * A pull exporter's endpoint served by the main thread with `--workers N`: each scrape asks every
 * worker for its page and answers with one merged page, as the single process would (gzip when the
 * scraper accepts it), behind the exporter's own auth and TLS.
 */
export class ScrapeServer {
  private server: Server | undefined;
  private auth: BearerAuth | undefined;

  constructor(
    private readonly listener: ScrapeListener,
    private readonly pages: (request: ScrapeRequest) => Promise<ScrapePage>,
    private readonly onError: (error: unknown) => void,
  ) {}

  async start(): Promise<string> {
    const security = loadListenerSecurity(this.listener, []);
    this.auth = security.auth;
    const server = createListenerServer(security.tls, {}, (req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.onError(error);
        if (!res.headersSent) res.writeHead(503, { 'Content-Type': 'text/plain' }).end('a worker did not answer the scrape\n');
      });
    });
    const bound = await listenOn(server, this.listener.endpoint, ['endpoint']);
    this.server = server;
    return bound;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await closeNow(server);
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
