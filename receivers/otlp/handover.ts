import type { HeldListener, ListenerHandover } from '../../src/component/component.ts';
import type { GrpcListener } from './grpc-server.ts';
import type { HttpListener } from '../../src/listener/http-handover.ts';

/** What an `otlp` receiver leaves bound on a reload: its HTTP and gRPC listeners, for the receiver of the same ID. */
export class OtlpHandover implements ListenerHandover {
  constructor(
    private http: HttpListener | undefined,
    private grpc: GrpcListener | undefined,
  ) {}

  /** The HTTP listener, still this handover's (closed with it) until taken; a closed one is none. */
  peekHttp(): HttpListener | undefined {
    return this.http?.closed ? undefined : this.http;
  }

  /** The gRPC listener, still this handover's (closed with it) until taken; a closed one is none. */
  peekGrpc(): GrpcListener | undefined {
    return this.grpc?.closed ? undefined : this.grpc;
  }

  /** The HTTP listener, now the caller's to close. */
  takeHttp(): HttpListener | undefined {
    const l = this.peekHttp();
    this.http = undefined;
    return l;
  }

  /** The gRPC listener, now the caller's to close. */
  takeGrpc(): GrpcListener | undefined {
    const l = this.peekGrpc();
    this.grpc = undefined;
    return l;
  }

  async close(): Promise<void> {
    await Promise.all([this.takeHttp()?.close(), this.takeGrpc()?.close()]);
  }

  held(): HeldListener[] {
    return [this.peekHttp(), this.peekGrpc()].filter((l) => l !== undefined);
  }
}
