import type { Component, CreateSettings } from '../../src/component/component.ts';
import type { SignalConsumers } from '../../src/consumer/consumer.ts';
import type { OtlpReceiverConfig } from './config.ts';
import { OtlpGrpcServer } from './grpc-server.ts';
import { OtlpHttpServer } from './http-server.ts';
import { signalRoutes } from './pipeline-call.ts';

/** The `otlp` receiver: OTLP/HTTP and OTLP/gRPC in front of the same pipelines. */
export class OtlpReceiver implements Component {
  private readonly http: OtlpHttpServer | undefined;
  private readonly grpc: OtlpGrpcServer | undefined;

  constructor(
    private readonly settings: CreateSettings,
    config: OtlpReceiverConfig,
    next: SignalConsumers,
  ) {
    const routes = signalRoutes(next);
    if (config.protocols.http) this.http = new OtlpHttpServer(config.protocols.http, routes, settings);
    if (config.protocols.grpc) this.grpc = new OtlpGrpcServer(config.protocols.grpc, routes, settings);
  }

  async start(): Promise<void> {
    if (this.grpc) this.settings.health.setDetail('endpoint.grpc', await this.grpc.start());
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
