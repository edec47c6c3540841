import { ServerCredentials, status, type Metadata } from '@grpc/grpc-js';
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
