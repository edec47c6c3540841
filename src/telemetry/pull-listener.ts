import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeNow, listenOn } from '../config/listen.ts';

/**
 * The listener of one `pull` reader, apart from the reader: a reload that keeps the reader's
 * `host:port` keeps the listener bound (scrapers see no gap) and only swaps what answers on it.
 */
export interface PullListener {
  /** The configured `host:port` (port 0 as written): a reload writing the same keeps this listener. */
  readonly endpoint: string;
  /** `host:port` it is bound to. */
  readonly bound: string;
  /** What answers its requests: the current reader's exporter. */
  handle: (req: IncomingMessage, res: ServerResponse) => void;
  close(): Promise<void>;
}

/** Binds `endpoint`; rejects with a ConfigFault at `path` when the port is taken (listenOn). */
export async function bindPullListener(endpoint: string, path: readonly (string | number)[]): Promise<PullListener> {
  let handle: PullListener['handle'] = (_req, res) => res.writeHead(503, { 'Content-Type': 'text/plain' }).end('the gateway\'s own metrics are starting\n');
  const server: Server = createServer((req, res) => handle(req, res));
  const bound = await listenOn(server, endpoint, path);
  return {
    endpoint,
    bound,
    get handle() {
      return handle;
    },
    set handle(h) {
      handle = h;
    },
    close: () => closeNow(server),
  };
}
