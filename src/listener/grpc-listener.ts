import { ServerCredentials, status, type Metadata, type Server } from '@grpc/grpc-js';
import type { Http2Server, ServerHttp2Session } from 'node:http2';
import type { GrpcRefusal } from './grpc-gate.ts';
import type { SecureContextOptions } from 'node:tls';
import type { AuthRefusal, BearerAuth } from './bearer-auth.ts';

/**
 * gRPC server credentials from a listener's TLS context (the same one the HTTP listeners use): its
 * minimum version and, with a client CA, a required client certificate. grpc-js's own `createSsl`
 * cannot set a minimum version, hence this small subclass. `rotate` hands the bound server new
 * certificates through grpc-js's credentials watcher (`setSecureContext` on its HTTP/2 server): new
 * connections get them, open ones keep theirs, and the port is never closed.
 */
export class ListenerCredentials extends ServerCredentials {
  constructor(tls: SecureContextOptions) {
    super({ requestCert: tls.ca !== undefined, rejectUnauthorized: true }, tls);
  }

  /**
   * New certificates for the servers bound with these credentials. `tls` must already have been
   * checked (readTlsContext): grpc-js drops every new connection after a context it cannot use.
   */
  rotate(tls: SecureContextOptions): void {
    this.updateSecureContextOptions(tls);
  }

  _equals(other: ServerCredentials): boolean {
    return other === this;
  }
}

export function grpcServerCredentials(tls: SecureContextOptions | undefined): ServerCredentials {
  return tls ? new ListenerCredentials(tls) : ServerCredentials.createInsecure();
}

/** The auth check of a gRPC call: undefined when it may go on, else the UNAUTHENTICATED answer and the reason. */
export function grpcAuthRefusal(auth: BearerAuth | undefined, metadata: Metadata): { reason: AuthRefusal; error: GrpcRefusal } | undefined {
  if (!auth) return undefined;
  const values = metadata.get('authorization');
  const reason = auth.check(typeof values[0] === 'string' ? values[0] : undefined);
  if (!reason) return undefined;
  return { reason, error: { code: status.UNAUTHENTICATED, details: reason === 'invalid_token' ? 'invalid bearer token' : 'missing bearer token (authorization: Bearer …)' } };
}

/**
 * HTTP/2 flow-control windows of a gRPC listener's connections: what a call may send before the
 * gateway acknowledges (WINDOW_UPDATE) what it received. Node's default, 64 KiB per stream and per
 * connection, makes a large message arrive 64 KiB per turn of the event loop, shared by every call on
 * the connection: an overloaded gateway then receives its admitted calls' messages all together and
 * slowly (measured: p99 12–29 s at twice capacity), instead of one after the other, where their wait
 * can be measured and shed. A stream's window holds a typical batch (an SDK's 2,000 points per
 * instrument ≈ 1–2 MiB); the connection's holds several. Calls refused at the gate have their data
 * discarded, admitted ones read theirs whole anyway (max_recv_msg_size), so this adds no memory per
 * admitted call.
 */
export const GRPC_STREAM_WINDOW = 2 * 1024 * 1024;
export const GRPC_CONNECTION_WINDOW = 16 * 1024 * 1024;

/**
 * Gives every new connection of a bound grpc-js server the windows above. grpc-js has no server option
 * for them, so this reaches its HTTP/2 servers (a private field, checked: a grpc-js without it throws
 * here, and test/listener/grpc-windows.test.ts sees a connection's settings).
 */
export function widenFlowControl(server: Server): void {
  const servers = (server as unknown as { http2Servers?: Map<Http2Server, unknown> }).http2Servers;
  if (!(servers instanceof Map)) throw new Error('@grpc/grpc-js no longer exposes its HTTP/2 servers: flow-control windows cannot be set');
  for (const h2 of servers.keys()) {
    h2.on('session', (session: ServerHttp2Session) => {
      if (session.destroyed || session.closed) return; // gone at once: a throw here would end the process
      session.settings({ initialWindowSize: GRPC_STREAM_WINDOW });
      session.setLocalWindowSize(GRPC_CONNECTION_WINDOW);
    });
  }
}
