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

/** `keepalive.server_parameters` in milliseconds, 0 for never (the Collector's keys). */
export interface GrpcConnectionLimits {
  max_connection_idle: number;
  max_connection_age: number;
  max_connection_age_grace: number;
  time: number;
  timeout: number;
}

/** grpc-js's "never" for these settings (the largest timer delay). */
const GRPC_NEVER = 2 ** 31 - 1;

/**
 * Gives a grpc-js server the connection limits for the connections it accepts from now on. grpc-js reads
 * them from its options once, at construction, and from these fields at each new connection; setting the
 * fields lets a listener kept through a reload take new values without closing its port. A grpc-js
 * without the fields throws here (test/listener/grpc-idle.test.ts sees a silent connection closed).
 */
export function setConnectionLimits(server: Server, limits: GrpcConnectionLimits): void {
  idleLimits.set(server, limits.max_connection_idle);
  const fields = server as unknown as Record<'sessionIdleTimeout' | 'maxConnectionAgeMs' | 'maxConnectionAgeGraceMs' | 'keepaliveTimeMs' | 'keepaliveTimeoutMs', unknown>;
  const ms = (value: number) => (value <= 0 ? GRPC_NEVER : Math.min(value, GRPC_NEVER));
  const values = {
    sessionIdleTimeout: ms(limits.max_connection_idle),
    maxConnectionAgeMs: ms(limits.max_connection_age),
    maxConnectionAgeGraceMs: ms(limits.max_connection_age_grace),
    keepaliveTimeMs: ms(limits.time),
    keepaliveTimeoutMs: ms(limits.timeout),
  };
  for (const [field, value] of Object.entries(values) as [keyof typeof fields, number][]) {
    if (typeof fields[field] !== 'number') throw new Error(`@grpc/grpc-js no longer has the server field ${field}: keepalive.server_parameters cannot be set`);
    fields[field] = value;
  }
}

/** max_connection_idle by server (ms, 0: never), read by the watchdog of each of its connections. */
const idleLimits = new WeakMap<Server, number>();

/** How long a connection grpc-js closed for idleness may take to go once it sent GOAWAY. */
const IDLE_CLOSE_GRACE_MS = 1_000;

/**
 * The hard end of max_connection_idle. grpc-js closes an idle connection gracefully (GOAWAY, then it
 * waits for the streams nghttp2 has open), so a client trickling a header block that never ends holds
 * a stream no call ever started on, and the connection, for good. This watchdog destroys a connection
 * that has had no call in progress (a stream whose headers all arrived) for max_connection_idle plus a
 * second, whatever it is still sending.
 */
export function cutStalledConnections(server: Server): void {
  const servers = (server as unknown as { http2Servers?: Map<Http2Server, unknown> }).http2Servers;
  if (!(servers instanceof Map)) throw new Error('@grpc/grpc-js no longer exposes its HTTP/2 servers: idle connections cannot be cut');
  for (const h2 of servers.keys()) {
    h2.on('session', (session: ServerHttp2Session) => {
      if (session.destroyed || session.closed) return;
      let calls = 0;
      let idleSince = performance.now();
      const check = () => {
        const limit = idleLimits.get(server) ?? 0;
        if (session.destroyed) return;
        const idleFor = performance.now() - idleSince;
        if (limit > 0 && calls === 0 && idleFor >= limit + IDLE_CLOSE_GRACE_MS) return session.destroy();
        timer = setTimeout(check, limit > 0 ? Math.max(100, limit + IDLE_CLOSE_GRACE_MS - (calls === 0 ? idleFor : 0)) : 60_000).unref();
      };
      let timer = setTimeout(check, 0).unref();
      session.on('stream', (stream) => {
        calls++;
        stream.once('close', () => {
          calls--;
          if (calls === 0) idleSince = performance.now();
        });
      });
      session.once('close', () => clearTimeout(timer));
    });
  }
}
