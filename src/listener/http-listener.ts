import { createServer as createHttpServer, type IncomingMessage, type RequestListener, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { SecureContextOptions } from 'node:tls';
import type { AuthRefusal, BearerAuth } from './bearer-auth.ts';

/**
 * The HTTP server of a listener: plain HTTP, or HTTPS with `tls` (the client must show a certificate
 * signed by `ca` when the context has one). https.Server is an http.Server underneath, so callers
 * listen, close and time out the same way either way.
 */
export function createListenerServer(tls: SecureContextOptions | undefined, options: ServerOptions, handler: RequestListener): Server {
  if (!tls) return createHttpServer(options, handler);
  // The handshake comes before the headers: a client that connects and never finishes it is cut at the
  // same limit as one trickling its headers, not at Node's 120 s.
  const handshakeTimeout = options.headersTimeout;
  const server = createHttpsServer({ ...options, ...tls, handshakeTimeout, requestCert: tls.ca !== undefined, rejectUnauthorized: true }, handler);
  // A failed handshake (no client certificate, an unknown CA, an old TLS version) is the client's problem: drop it quietly.
  server.on('tlsClientError', (_error, socket) => socket.destroy());
  return server as unknown as Server;
}

/**
 * New certificates and handshake limit for a running HTTPS listener (a reload): new connections use
 * them, open ones keep theirs. Node keeps the handshake limit under a private symbol; if a later Node
 * renames it, the limit set at the listener's creation stays.
 */
export function updateListenerTls(server: Server, tls: SecureContextOptions, headersTimeout?: number): void {
  (server as unknown as { setSecureContext(options: SecureContextOptions): void }).setSecureContext(tls);
  const symbol = Object.getOwnPropertySymbols(server).find((s) => s.description === 'handshake-timeout');
  if (symbol && headersTimeout) (server as unknown as Record<symbol, number>)[symbol] = headersTimeout;
}

/**
 * The auth check of every HTTP listener: undefined when the request may go on; otherwise it has been
 * answered 401 with `WWW-Authenticate: Bearer` (RFC 6750) and the reason is returned for counting.
 */
export function refuseUnauthorized(auth: BearerAuth | undefined, req: IncomingMessage, res: ServerResponse, body = 'unauthorized\n', contentType = 'text/plain'): AuthRefusal | undefined {
  if (!auth) return undefined;
  const refusal = auth.check(req.headers.authorization);
  if (!refusal) return undefined;
  req.resume(); // drain the body so the answer goes out on a usable connection
  res.writeHead(401, {
    'WWW-Authenticate': refusal === 'invalid_token' ? 'Bearer error="invalid_token"' : 'Bearer',
    'Content-Type': contentType,
    'Cache-Control': 'no-store',
  });
  res.end(body);
  return refusal;
}
