import type { Component, CreateSettings, ListenerHandover } from '../../src/component/component.ts';
import type { SignalConsumers } from '../../src/consumer/consumer.ts';
import type { OtlpReceiverConfig } from './config.ts';
import type { OtlpGrpcServer } from './grpc-server.ts';
import { OtlpHandover } from './handover.ts';
import { OtlpHttpServer } from './http-server.ts';
import { signalRoutes } from './pipeline-call.ts';

/** The `otlp` receiver: OTLP/HTTP and OTLP/gRPC in front of the same pipelines. */
export class OtlpReceiver implements Component {
  private readonly http: OtlpHttpServer | undefined;
  private grpc: OtlpGrpcServer | undefined;
  private readonly routes: ReturnType<typeof signalRoutes>;
  /** The listeners the receiver of the same ID left bound on a reload. */
  private adopted: OtlpHandover | undefined;
  /** After a failed start: the listeners handed over and not taken, to give back (see handOver). */
  private leftover: OtlpHandover | undefined;

  constructor(
    private readonly settings: CreateSettings,
    private readonly config: OtlpReceiverConfig,
    next: SignalConsumers,
  ) {
    this.routes = signalRoutes(next);
    if (config.protocols.http) this.http = new OtlpHttpServer(config.protocols.http, this.routes, settings);
  }

  takeOver(handover: ListenerHandover): void {
    if (handover instanceof OtlpHandover) this.adopted = handover;
  }

  async start(): Promise<void> {
    const adopted = this.adopted ?? new OtlpHandover(undefined, undefined);
    this.adopted = undefined;
    try {
      const grpcConfig = this.config.protocols.grpc;
      if (grpcConfig) {
        // @grpc/grpc-js is loaded only when gRPC is configured (≈10 MiB of a process that never uses it).
        const { OtlpGrpcServer } = await import('./grpc-server.ts');
        this.grpc = new OtlpGrpcServer(grpcConfig, this.routes, this.settings);
        this.settings.health.setDetail('endpoint.grpc', await this.grpc.start(adopted.peekGrpc()));
        adopted.takeGrpc();
      }
      if (this.http) {
        this.settings.health.setDetail('endpoint.http', await this.http.start(adopted.peekHttp()));
        adopted.takeHttp();
      }
    } catch (error) {
      // What was handed over stays open: `handOver` gives it back to the previous config (a failed reload).
      this.leftover = adopted;
      throw error;
    }
    // A protocol now off: what it left bound closes.
    await adopted.close();
  }

  async shutdown(): Promise<void> {
    await Promise.all([this.http?.shutdown(), this.grpc?.shutdown(), this.leftover?.close()]);
    this.leftover = undefined;
  }

  /**
   * A reload: both listeners stay bound for the next `otlp` receiver of this ID, once what they accepted
   * went on. After a failed start, what it had been handed and had not taken yet goes back with them.
   */
  async handOver(): Promise<ListenerHandover> {
    const [http, grpc] = await Promise.all([this.http?.handOver(), this.grpc?.handOver()]);
    const leftover = this.leftover;
    this.leftover = undefined;
    const handover = new OtlpHandover(http ?? leftover?.takeHttp(), grpc ?? leftover?.takeGrpc());
    await leftover?.close();
    return handover;
  }
}
