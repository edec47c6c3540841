import type { IncomingMessage, RequestListener, Server, ServerOptions, ServerResponse } from 'node:http';
import type { SecureContextOptions } from 'node:tls';
import type { HeldListener, ListenerHandover } from '../component/component.ts';
import { listenOn } from '../config/listen.ts';
import { createListenerServer, updateListenerTls } from './http-listener.ts';
import { listenerKey, Relay, samePort, type BoundListener } from './relay.ts';

export type HttpRequestArgs = [IncomingMessage, ServerResponse];

/** An HTTP(S) listener that can pass from one component to its successor on a reload. */
export type HttpListener = BoundListener<HttpRequestArgs> & { readonly server: Server };

export interface HttpListenerOptions {
  endpoint: string;
  tls: SecureContextOptions | undefined;
  /** Server options; an adopted server gets its timeouts set again. */
  options: ServerOptions;
  /** The endpoint's YAML path in the component's settings, for a port in use. */
  path: readonly (string | number)[];
  /** How a request held for a successor is answered when no successor takes the listener. */
  refuseHeld(req: IncomingMessage, res: ServerResponse): void;
  /** More listeners on a new server (e.g. `clientError`). */
  setup?(server: Server): void;
}

/**
 * Listens on `o.endpoint` with `handler`, or takes `adopted` (a reload) when it was bound with the same
 * endpoint and kind of TLS: the socket never closes, it gets the new certificates and timeouts, and the
 * requests it held meanwhile go to `handler` first. One bound differently is closed once the new one
 * listens, its held and in-flight requests served by `handler` too; on the same port (only the host or the kind of TLS changed) it is closed first, so the port
 * can be bound again. When the new one cannot listen, `adopted` is left open, for the caller to hand back.
 */
export async function openHttpListener(o: HttpListenerOptions, handler: RequestListener, adopted?: HttpListener): Promise<HttpListener> {
  const key = listenerKey(o.endpoint, o.tls);
  if (adopted?.key === key && !adopted.closed) {
    const { server } = adopted;
    if (o.options.headersTimeout !== undefined) server.headersTimeout = o.options.headersTimeout;
    if (o.options.requestTimeout !== undefined) server.requestTimeout = o.options.requestTimeout;
    if (o.tls) updateListenerTls(server, o.tls, o.options.headersTimeout);
    adopted.relay.attach(handler);
    return adopted;
  }
  if (adopted && samePort(adopted.key, key)) await adopted.close();
  const relay = new Relay<HttpRequestArgs>();
  const lastOnes = new LastResponses();
  const server = createListenerServer(o.tls, o.options, (req, res) => {
    lastOnes.track(res);
    relay.deliver(req, res);
  });
  o.setup?.(server);
  const address = await listenOn(server, o.endpoint, o.path);
  // The old port's requests (held through the swap, or arriving until it closes) are served here,
  // not refused: they reached a port that was still open, and their clients are waiting.
  adopted?.relay.attach(handler);
  await adopted?.close();
  relay.attach(handler);
  const listener: HttpListener = {
    key,
    address,
    server,
    relay,
    closed: false,
    close: async () => {
      if (listener.closed) return;
      listener.closed = true;
      lastOnes.begin();
      await closeHttpListener(server, relay, o.refuseHeld);
    },
  };
  return listener;
}

/**
 * The responses a closing listener still owes: each is sent with `Connection: close`, and so is every
 * one of a request arriving after. Node's `server.close()` leaves a busy keep-alive connection open
 * (only idle ones close), so its client would go on sending on it until the 5 s cut, which resets a
 * request whose points were already taken, and the client never learns they were.
 */
class LastResponses {
  private readonly open = new Set<ServerResponse>();
  private closing = false;

  track(res: ServerResponse): void {
    if (this.closing) return void res.setHeader('Connection', 'close');
    this.open.add(res);
    res.once('close', () => this.open.delete(res));
  }

  /** From now on every answer closes its connection. */
  begin(): void {
    this.closing = true;
    for (const res of this.open) if (!res.headersSent) res.setHeader('Connection', 'close');
    this.open.clear();
  }
}

/** Stops listening; held requests are refused, in-flight ones finish (stragglers cut after 5 s). */
async function closeHttpListener(server: Server, relay: Relay<HttpRequestArgs>, refuse: (req: IncomingMessage, res: ServerResponse) => void): Promise<void> {
  relay.refuseHeld(refuse);
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), 5_000);
  await closed;
  clearTimeout(timer);
}

/** What a component with one HTTP listener leaves bound on a reload. */
export class HttpHandover implements ListenerHandover {
  constructor(private listener: HttpListener | undefined) {}

  /** The listener, now the caller's to close. */
  take(): HttpListener | undefined {
    const l = this.listener;
    this.listener = undefined;
    return l;
  }

  async close(): Promise<void> {
    await this.take()?.close();
  }

  held(): HeldListener[] {
    return this.listener && !this.listener.closed ? [this.listener] : [];
  }
}
