import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { ScrapePage, ScrapeRequest } from '../component/component.ts';
import { closeNow, listenOn } from '../config/listen.ts';

/**
 * A pull exporter's endpoint served by the main thread with `--workers N`: each scrape asks every
 * worker for its page and answers with one merged page, as the single process would (gzip when the
 * scraper accepts it).
 */
export class ScrapeServer {
  private server: Server | undefined;

  constructor(
    private readonly endpoint: string,
    private readonly pages: (request: ScrapeRequest) => Promise<ScrapePage>,
    private readonly onError: (error: unknown) => void,
  ) {}

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.onError(error);
        if (!res.headersSent) res.writeHead(503, { 'Content-Type': 'text/plain' }).end('a worker did not answer the scrape\n');
      });
    });
    const bound = await listenOn(server, this.endpoint, ['endpoint']);
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
    if (path !== '/metrics' && path !== '/') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('the metrics are at /metrics\n');
      return;
    }
    const { body, contentType, gzip } = await this.pages({ accept: req.headers.accept, acceptEncoding: req.headers['accept-encoding'] });
    if (gzip) res.writeHead(200, { 'Content-Type': contentType, 'Content-Encoding': 'gzip' }).end(gzipSync(body));
    else res.writeHead(200, { 'Content-Type': contentType }).end(body);
  }
}
