import type { AddressInfo, Server } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { ConfigFault } from '../component/component.ts';
import { parseEndpoint } from './schema-helpers.ts';

/**
 * Listens `server` on `endpoint` ("host:port", already validated by the config schema) and answers the
 * address it is bound to (port 0 resolved). A port already in use is the operator's to fix, so it
 * rejects with a ConfigFault at `path` (the endpoint's YAML path in the component's settings); any other
 * error as it came. `server` is any `net.Server`: an `http` or `https` server, or a bare one.
 */
export async function listenOn(server: Server, endpoint: string, path: readonly (string | number)[]): Promise<string> {
  const ep = parseEndpoint(endpoint)!;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new ConfigFault(path, `port ${ep.port} on ${ep.host} is already in use`) : error),
    );
    server.listen(ep.port, ep.host, () => resolve());
  });
  return boundAddress(server.address() as AddressInfo);
}

/** A bound address as an endpoint: `host:port`, `[v6]:port`. */
export function boundAddress(a: AddressInfo): string {
  return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

/** Stops listening and cuts every connection at once (a scrape or a probe has nothing worth finishing). */
export async function closeNow(server: Pick<HttpServer, 'close' | 'closeAllConnections'>): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
