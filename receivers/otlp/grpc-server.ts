import { Metadata, Server, status, type ServiceError, type sendUnaryData, type ServerUnaryCall, type ServiceDefinition } from '@grpc/grpc-js';
import { ConfigFault, type CreateSettings } from '../../src/component/component.ts';
import { grpcAuthRefusal, grpcServerCredentials } from '../../src/listener/grpc-listener.ts';
import { loadListenerSecurity, type ListenerSecurity } from '../../src/listener/secrets.ts';
import type { Signal } from '../../src/model/common.ts';
import { SELF_TELEMETRY_HEADER } from '../../src/telemetry/marker.ts';
import type { OtlpGrpcConfig } from './config.ts';
import { encodeExportResponseProto, encodeRetryInfoAny, encodeStatusProto } from '../../src/otlp/decode/index.ts';
import { exportBody, type SignalRoute } from './pipeline-call.ts';

/** The OTLP services' method paths; no .proto files needed, bodies are (de)serialized by our own code. */
const METHOD_PATH: Record<Signal, string> = {
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
};

function serviceFor(signal: Signal): ServiceDefinition {
  return {
    Export: {
      path: METHOD_PATH[signal],
      requestStream: false,
      responseStream: false,
      // Decoding happens in the handler, so a malformed body becomes INVALID_ARGUMENT with a message.
      requestDeserialize: (bytes: Buffer) => bytes,
      requestSerialize: (bytes: Buffer) => bytes,
      responseSerialize: (bytes: Uint8Array) => Buffer.from(bytes),
      responseDeserialize: (bytes: Buffer) => bytes,
    },
  };
}

/**
 * OTLP/gRPC: the Export method of each served signal. Malformed data → INVALID_ARGUMENT; backpressure →
 * UNAVAILABLE with a google.rpc.RetryInfo in `grpc-status-details-bin`, which the SDKs honour.
 */
export class OtlpGrpcServer {
  private server: Server | undefined;
  private security: ListenerSecurity = { auth: undefined, tls: undefined };
  /** Calls being handled now, against max_concurrent_requests. */
  private inFlight = 0;

  constructor(
    private readonly config: OtlpGrpcConfig,
    private readonly routes: SignalRoute[],
    private readonly settings: CreateSettings,
  ) {}

  async start(): Promise<string> {
    this.security = loadListenerSecurity(this.config, ['protocols', 'grpc']);
    const server = new Server({ 'grpc.max_receive_message_length': this.config.max_recv_msg_size });
    for (const route of this.routes) {
      server.addService(serviceFor(route.signal), { Export: (call: ServerUnaryCall<Buffer, Uint8Array>, callback: sendUnaryData<Uint8Array>) => void this.traced(route, call, callback) });
    }
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(this.config.endpoint, grpcServerCredentials(this.security.tls), (error, bound) =>
        error ? reject(new ConfigFault(['protocols', 'grpc', 'endpoint'], `cannot listen on ${this.config.endpoint}: ${error.message}`)) : resolve(bound),
      ),
    );
    this.server = server;
    const host = this.config.endpoint.slice(0, this.config.endpoint.lastIndexOf(':'));
    return `${host}:${port}`;
  }

  async shutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, 5_000);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** The export inside the gateway's own span, unless the call is the gateway's own telemetry (see the HTTP server). */
  private async traced(route: SignalRoute, call: ServerUnaryCall<Buffer, Uint8Array>, callback: sendUnaryData<Uint8Array>): Promise<void> {
    if (call.metadata.get(SELF_TELEMETRY_HEADER).length > 0) return this.admit(route, call, callback);
    const span = this.settings.telemetry.span(`receive ${route.signal}`, 'server', route.signal);
    let failure: { reason: string; message: string } | undefined;
    await this.admit(route, call, (error, value) => {
      if (error) failure = { reason: `grpc_${error.code ?? status.UNKNOWN}`, message: error.details ?? '' };
      callback(error, value);
    });
    span.end(failure);
  }

  /** Auth and max_concurrent_requests come before any decoding. */
  private async admit(route: SignalRoute, call: ServerUnaryCall<Buffer, Uint8Array>, callback: sendUnaryData<Uint8Array>): Promise<void> {
    const refusal = grpcAuthRefusal(this.security.auth, call.metadata);
    if (refusal) {
      this.settings.telemetry.refusedRequest(route.signal, 'grpc', refusal.reason);
      return callback(refusal.error);
    }
    if (this.inFlight >= this.config.max_concurrent_requests) {
      this.settings.telemetry.refusedRequest(route.signal, 'grpc', 'too_many_requests');
      return callback(unavailable(`over max_concurrent_requests (${this.config.max_concurrent_requests}); retry later`, 1_000));
    }
    this.inFlight++;
    try {
      await this.export(route, call, callback);
    } finally {
      this.inFlight--;
    }
  }

  private async export(route: SignalRoute, call: ServerUnaryCall<Buffer, Uint8Array>, callback: sendUnaryData<Uint8Array>): Promise<void> {
    let outcome;
    try {
      outcome = await exportBody(route, call.request, 'proto', 'grpc', this.settings.telemetry, this.config);
    } catch (error) {
      this.settings.logger.error({ err: error }, 'OTLP/gRPC request failed unexpectedly.');
      return callback({ code: status.INTERNAL, details: 'internal error' });
    }
    if (outcome.kind === 'malformed' || outcome.kind === 'too_many') return callback({ code: status.INVALID_ARGUMENT, details: outcome.message });
    if (outcome.kind === 'ok') {
      const partial = outcome.rejected > 0 ? { rejected: outcome.rejected, message: outcome.message ?? '', signal: route.signal } : undefined;
      return callback(null, encodeExportResponseProto(partial));
    }
    const error = outcome.error;
    if (!error.retryable) return callback({ code: status.INVALID_ARGUMENT, details: error.message });
    callback(unavailable(error.message, error.retryAfterMs ?? 5_000));
  }
}

/** UNAVAILABLE with a google.rpc.RetryInfo in `grpc-status-details-bin`, which the SDKs honour. */
function unavailable(message: string, delayMs: number): Partial<ServiceError> {
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(encodeStatusProto(status.UNAVAILABLE, message, [encodeRetryInfoAny(delayMs)])));
  return { code: status.UNAVAILABLE, details: message, metadata };
}
