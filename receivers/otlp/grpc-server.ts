import { Server, status, type sendUnaryData, type ServerUnaryCall, type ServiceDefinition } from '@grpc/grpc-js';
import { ConfigFault, type CreateSettings } from '../../src/component/component.ts';
import { DecodeTurns, overloadMessage } from '../../src/listener/admission.ts';
import { BytesInFlight } from '../../src/listener/bytes-in-flight.ts';
import { drained, listenerKey, Relay, samePort, type BoundListener } from '../../src/listener/relay.ts';
import { cutStalledConnections, grpcAuthRefusal, grpcServerCredentials, ListenerCredentials, setConnectionLimits, widenFlowControl } from '../../src/listener/grpc-listener.ts';
import { loadListenerSecurity, type ListenerSecurity } from '../../src/listener/secrets.ts';
import type { Signal } from '../../src/model/common.ts';
import type { ConsumerError } from '../../src/consumer/errors.ts';
import { SELF_TELEMETRY_HEADER } from '../../src/telemetry/marker.ts';
import type { OtlpGrpcConfig } from './config.ts';
import { encodeExportResponseProto } from '../../src/otlp/decode/index.ts';
import { gateInterceptor, GateSlot, retryLater, type CallAdmission, type CallGate, type GrpcRefusal } from '../../src/listener/grpc-gate.ts';
import { exportBody, type SignalRoute } from './pipeline-call.ts';
import { OTLP_GRPC_METHOD } from '../../src/otlp/grpc-methods.ts';


type GrpcCallArgs = [Signal, ServerUnaryCall<Buffer, Uint8Array>, sendUnaryData<Uint8Array>];
/** The OTLP/gRPC listener, as handed from one receiver to the next on a reload. */
export type GrpcListener = BoundListener<GrpcCallArgs> & {
  /** The grpc-js server: a successor gives it its keepalive settings. */
  readonly server: Server;
  /** With TLS: the credentials it was bound with, through which a successor gives it new certificates. */
  readonly credentials: ListenerCredentials | undefined;
  /** Where the owner's admission check goes: it runs on each call's metadata, before the message is read. */
  readonly gate: GateSlot;
};

function serviceFor(signal: Signal): ServiceDefinition {
  return {
    Export: {
      path: OTLP_GRPC_METHOD[signal],
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
  private listener: GrpcListener | undefined;
  private security: ListenerSecurity = { auth: undefined, tls: undefined };
  /** Calls admitted by the gate and not yet answered, against max_concurrent_requests. */
  private admitted = 0;
  /** Calls handed to the pipelines' export and not yet answered: what a handover waits for. */
  private inFlight = 0;
  private readonly turns: DecodeTurns;
  private readonly bytes: BytesInFlight;

  constructor(
    private readonly config: OtlpGrpcConfig,
    private readonly routes: SignalRoute[],
    private readonly settings: CreateSettings,
  ) {
    this.turns = new DecodeTurns(config.max_queue_delay);
    this.bytes = new BytesInFlight(config.max_request_bytes_in_flight);
  }

  /**
   * Listens, or takes `adopted` (a reload) when it was bound with this endpoint and kind of TLS: its
   * socket never closes, it gets the new certificates, and the calls it held meanwhile come here. One
   * bound differently is closed once the new one listens (first, when the port is the same); when the
   * new one cannot listen, `adopted` is left open for the receiver to hand back.
   */
  async start(adopted?: GrpcListener): Promise<string> {
    this.security = loadListenerSecurity(this.config, ['protocols', 'grpc']);
    const tls = this.security.tls;
    const key = listenerKey(this.config.endpoint, tls);
    if (adopted?.key === key && !adopted.closed) {
      if (tls) adopted.credentials?.rotate(tls);
      setConnectionLimits(adopted.server, this.config.keepalive.server_parameters);
      this.listener = adopted;
      adopted.relay.attach(this.onCall);
      adopted.gate.set(this.gate);
      return adopted.address;
    }
    if (adopted && samePort(adopted.key, key)) await adopted.close();
    const gate = new GateSlot();
    const server = new Server({ 'grpc.max_receive_message_length': this.config.max_recv_msg_size, interceptors: [gateInterceptor(gate)] });
    setConnectionLimits(server, this.config.keepalive.server_parameters);
    const relay = new Relay<GrpcCallArgs>();
    // Every signal's service, whichever this receiver serves: a successor may serve others on the same socket.
    for (const signal of Object.keys(OTLP_GRPC_METHOD) as Signal[]) {
      server.addService(serviceFor(signal), { Export: (call: ServerUnaryCall<Buffer, Uint8Array>, callback: sendUnaryData<Uint8Array>) => relay.deliver(signal, call, callback) });
    }
    const credentials = grpcServerCredentials(tls);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(this.config.endpoint, credentials, (error, bound) =>
        error ? reject(new ConfigFault(['protocols', 'grpc', 'endpoint'], `cannot listen on ${this.config.endpoint}: ${error.message}`)) : resolve(bound),
      ),
    ).catch((error: unknown) => {
      server.forceShutdown();
      throw error;
    });
    widenFlowControl(server);
    cutStalledConnections(server);
    // The old port's calls (held through the swap, or arriving until it closes) are served here, not refused.
    adopted?.relay.attach(this.onCall);
    adopted?.gate.set(this.gate);
    await adopted?.close();
    const host = this.config.endpoint.slice(0, this.config.endpoint.lastIndexOf(':'));
    const listener: GrpcListener = {
      key,
      address: `${host}:${port}`,
      server,
      relay,
      credentials: credentials instanceof ListenerCredentials ? credentials : undefined,
      gate,
      closed: false,
      close: async () => {
        if (listener.closed) return;
        listener.closed = true;
        await closeGrpcListener(server, relay, gate);
      },
    };
    this.listener = listener;
    relay.attach(this.onCall);
    gate.set(this.gate);
    return listener.address;
  }

  async shutdown(): Promise<void> {
    const listener = this.listener;
    this.listener = undefined;
    await listener?.close();
  }

  /** Stops taking calls but leaves the socket bound, for the next receiver (see Component.handOver). */
  async handOver(): Promise<GrpcListener | undefined> {
    const listener = this.listener;
    this.listener = undefined;
    listener?.gate.clear();
    listener?.relay.detach();
    await drained(() => this.inFlight);
    return listener;
  }

  private readonly onCall = (signal: Signal, call: ServerUnaryCall<Buffer, Uint8Array>, callback: sendUnaryData<Uint8Array>): void => {
    const route = this.routes.find((r) => r.signal === signal);
    if (!route) return callback({ code: status.UNIMPLEMENTED, details: `no pipeline takes ${signal}` });
    const timer = this.settings.telemetry.requestTimer(signal, 'grpc');
    void this.traced(route, call, callback).finally(() => timer.end());
  };

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

  /**
   * The admission of a call, from its metadata, before its message is read (see gateInterceptor): auth,
   * shedding, then max_concurrent_requests; a refused call never reaches `onCall`.
   */
  private readonly gate: CallGate = (path, metadata) => {
    const route = this.routes.find((r) => OTLP_GRPC_METHOD[r.signal] === path);
    if (!route) return undefined; // not served: answered UNIMPLEMENTED by onCall
    const auth = grpcAuthRefusal(this.security.auth, metadata);
    if (auth) return this.refuse(route, auth.reason, auth.error);
    if (this.turns.overloaded()) return this.refuse(route, 'overloaded', retryLater(status.UNAVAILABLE, overloadMessage(this.config.max_queue_delay), 1_000));
    // `--workers N`: the process is over a memory limiter's soft limit; refused as the pipelines would, unread.
    const refusal = route.refusal?.();
    if (refusal) return this.refuse(route, 'memory_limit', retryableStatus(refusal));
    if (this.bytes.refuses()) return this.refuse(route, 'too_many_bytes_in_flight', retryLater(status.RESOURCE_EXHAUSTED, this.bytes.message(), 1_000));
    if (this.admitted >= this.config.max_concurrent_requests) {
      return this.refuse(route, 'too_many_requests', retryLater(status.RESOURCE_EXHAUSTED, `over max_concurrent_requests (${this.config.max_concurrent_requests}); retry later`, 1_000));
    }
    this.admitted++;
    const readTimeout = {
      ms: this.config.read_timeout,
      refusal: () => {
        this.settings.telemetry.refusedRequest(route.signal, 'grpc', 'read_timeout');
        return { code: status.DEADLINE_EXCEEDED, details: `the message did not arrive within read_timeout (${this.config.read_timeout} ms)` };
      },
    };
    return { release: () => void this.admitted--, readTimeout };
  };

  private refuse(route: SignalRoute, reason: string, error: GrpcRefusal): CallAdmission {
    this.settings.telemetry.refusedRequest(route.signal, 'grpc', reason);
    return { refuse: error };
  }

  /**
   * Auth again (a call its previous owner's gate let in may reach this one, after a reload: the token
   * may have changed), then the export; `inFlight` is what a handover waits for.
   */
  private async admit(route: SignalRoute, call: ServerUnaryCall<Buffer, Uint8Array>, callback: sendUnaryData<Uint8Array>): Promise<void> {
    const refusal = grpcAuthRefusal(this.security.auth, call.metadata);
    if (refusal) {
      this.settings.telemetry.refusedRequest(route.signal, 'grpc', refusal.reason);
      return callback(refusal.error);
    }
    const size = call.request.length;
    if (!this.bytes.reserve(size)) {
      this.settings.telemetry.refusedRequest(route.signal, 'grpc', 'too_many_bytes_in_flight');
      return callback(retryLater(status.RESOURCE_EXHAUSTED, this.bytes.message(), 1_000));
    }
    this.inFlight++;
    try {
      await this.export(route, call, callback);
    } finally {
      this.inFlight--;
      this.bytes.release(size);
    }
  }

  /** Answers UNAVAILABLE with RetryInfo unless the call was `admitted` to its decode turn (see DecodeTurns); whether it did. */
  private shed(route: SignalRoute, admitted: boolean, callback: sendUnaryData<Uint8Array>): boolean {
    if (admitted) return false;
    this.settings.telemetry.refusedRequest(route.signal, 'grpc', 'overloaded');
    callback(retryLater(status.UNAVAILABLE, overloadMessage(this.config.max_queue_delay), 1_000));
    return true;
  }

  private async export(route: SignalRoute, call: ServerUnaryCall<Buffer, Uint8Array>, callback: sendUnaryData<Uint8Array>): Promise<void> {
    if (this.shed(route, await this.turns.take(), callback)) return;
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
    callback(retryableStatus(error));
  }
}

/** A retryable refusal of the pipelines: as HTTP answers 429 for one with a retry delay (a full queue) and 503 otherwise. */
function retryableStatus(error: ConsumerError): GrpcRefusal {
  return retryLater(error.retryAfterMs !== undefined ? status.RESOURCE_EXHAUSTED : status.UNAVAILABLE, error.message, error.retryAfterMs ?? 5_000);
}

/** Stops listening; calls held for a successor are refused (UNAVAILABLE), running ones finish (cut after 5 s). */
async function closeGrpcListener(server: Server, relay: Relay<GrpcCallArgs>, gate: GateSlot): Promise<void> {
  const stopped = () => retryLater(status.UNAVAILABLE, 'the receiver stopped (a reload or a shutdown); retry', 1_000);
  gate.refuseWaiting(stopped());
  relay.refuseHeld((_signal, _call, callback) => callback(stopped()));
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
