import type { Component, CreateSettings } from '../../src/component/component.ts';
import type { SignalConsumers } from '../../src/consumer/consumer.ts';
import type { OtlpReceiverConfig } from './config.ts';
import type { OtlpGrpcServer } from './grpc-server.ts';
import { OtlpHttpServer } from './http-server.ts';
import { signalRoutes } from './pipeline-call.ts';

/** The `otlp` receiver: OTLP/HTTP and OTLP/gRPC in front of the same pipelines. */
export class OtlpReceiver implements Component {
  private readonly http: OtlpHttpServer | undefined;
  private grpc: OtlpGrpcServer | undefined;
  private readonly routes: ReturnType<typeof signalRoutes>;

  constructor(
    private readonly settings: CreateSettings,
    private readonly config: OtlpReceiverConfig,
    next: SignalConsumers,
  ) {
    this.routes = signalRoutes(next);
    if (config.protocols.http) this.http = new OtlpHttpServer(config.protocols.http, this.routes, settings);
  }

  async start(): Promise<void> {
    const grpcConfig = this.config.protocols.grpc;
    if (grpcConfig) {
      // @grpc/grpc-js is loaded only when gRPC is configured (≈10 MiB of a process that never uses it).
      const { OtlpGrpcServer } = await import('./grpc-server.ts');
      this.grpc = new OtlpGrpcServer(grpcConfig, this.routes, this.settings);
      this.settings.health.setDetail('endpoint.grpc', await this.grpc.start());
    }
    try {
      if (this.http) this.settings.health.setDetail('endpoint.http', await this.http.start());
    } catch (error) {
      await this.grpc?.shutdown();
      throw error;
    }
  }

  async shutdown(): Promise<void> {
    await Promise.all([this.http?.shutdown(), this.grpc?.shutdown()]);
  }
}
