import { Metadata, ServerInterceptingCall, status, type ServerInterceptor, type StatusObject } from '@grpc/grpc-js';
import { encodeRetryInfoAny, encodeStatusProto } from '../otlp/decode/index.ts';

/**
 * What the owner of a gRPC listener decides about a call from its metadata alone: refused (the status
 * to answer), or admitted, with what to undo when the call ends.
 */
export type CallAdmission = { refuse: GrpcRefusal } | AdmittedCall;

/** An admitted call: what to undo when it ends, and how long its message may take to arrive. */
export interface AdmittedCall {
  release(): void;
  /** A message not arrived this long after the metadata is answered `refusal` and the call ended. */
  readTimeout?: { ms: number; refusal(): GrpcRefusal };
}

/** A call's answer when refused: a status, its message, and (retry info) trailers. */
export type GrpcRefusal = Pick<StatusObject, 'code' | 'details'> & { metadata?: Metadata };

/** The owner's decision: undefined lets the call through with nothing to undo. */
export type CallGate = (path: string, metadata: Metadata) => CallAdmission | undefined;

/**
 * The gate of whichever component owns a listener now. Empty between two owners on a reload: a call
 * arriving then waits, its message unread, until the next owner sets its gate, and goes through that
 * (the limits of the config in force, not none); if nobody will own the listener, it is refused.
 */
export class GateSlot {
  private gate: CallGate | undefined;
  private readonly waiting: ((gate: CallGate | GrpcRefusal) => void)[] = [];

  /** The owner's gate from now on; the calls that waited go through it first, in the order they came. */
  set(gate: CallGate): void {
    this.gate = gate;
    for (const decide of this.waiting.splice(0)) decide(gate);
  }

  /** No owner: calls wait for the next `set`. */
  clear(): void {
    this.gate = undefined;
  }

  /** Nobody will own the listener: each waiting call is answered `refusal`. */
  refuseWaiting(refusal: GrpcRefusal): void {
    for (const decide of this.waiting.splice(0)) decide(refusal);
  }

  /** Decides about a call by the owner's gate, now or once there is one. */
  decide(path: string, metadata: Metadata, then: (admission: CallAdmission | undefined) => void): void {
    if (this.gate) return then(this.gate(path, metadata));
    this.waiting.push((gate) => then(typeof gate === 'function' ? gate(path, metadata) : { refuse: gate }));
  }
}

/**
 * A grpc-js server interceptor that asks the slot's gate about each call as soon as its metadata has
 * arrived. grpc-js reads a call's message only once the handler asks for it, so a refused call's
 * message is never read, inflated or deserialized: an overloaded gateway refuses its excess for the
 * price of a header frame, as the Collector's admission control does.
 */
export function gateInterceptor(slot: GateSlot): ServerInterceptor {
  return (method, call) => {
    let release: (() => void) | undefined;
    let cancelled = false;
    let reading: NodeJS.Timeout | undefined;
    const done = () => {
      clearTimeout(reading);
      release?.();
      release = undefined;
    };
    return new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, pass) =>
            slot.decide(method.path, metadata, (admission) => {
              if (admission && 'refuse' in admission) return call.sendStatus(admission.refuse);
              // Cancelled while it waited for an owner: what the gate counted in is given back at once.
              if (cancelled) return admission?.release();
              release = admission?.release;
              const timeout = admission?.readTimeout;
              // A client trickling its message would hold its admission (max_concurrent_requests) for good.
              if (timeout) reading = setTimeout(() => call.sendStatus(timeout.refusal()), timeout.ms);
              pass(metadata);
            }),
          onReceiveMessage: (message, next) => {
            clearTimeout(reading);
            next(message);
          },
          onCancel: () => {
            cancelled = true;
            done();
          },
        }),
      sendStatus: (s, next) => {
        done();
        next(s);
      },
    });
  };
}

/**
 * A retryable refusal as the Collector answers it: `RESOURCE_EXHAUSTED` where HTTP says 429 (a limit;
 * come back later), `UNAVAILABLE` where it says 503 (overloaded or stopping), each with a
 * google.rpc.RetryInfo in `grpc-status-details-bin`, which the SDKs honour.
 */
export function retryLater(code: status.RESOURCE_EXHAUSTED | status.UNAVAILABLE, message: string, delayMs: number): GrpcRefusal {
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(encodeStatusProto(code, message, [encodeRetryInfoAny(delayMs)])));
  return { code, details: message, metadata };
}
