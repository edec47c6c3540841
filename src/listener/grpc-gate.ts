import { Metadata, ServerInterceptingCall, status, type ServerInterceptor, type StatusObject } from '@grpc/grpc-js';
import { encodeRetryInfoAny, encodeStatusProto } from '../otlp/decode/index.ts';

/**
 * What the owner of a gRPC listener decides about a call from its metadata alone: refused (the status
 * to answer), or admitted, with what to undo when the call ends.
 */
export type CallAdmission = { refuse: GrpcRefusal } | { release(): void };

/** A call's answer when refused: a status, its message, and (retry info) trailers. */
export type GrpcRefusal = Pick<StatusObject, 'code' | 'details'> & { metadata?: Metadata };

/** The owner's decision: undefined lets the call through with nothing to undo. */
export type CallGate = (path: string, metadata: Metadata) => CallAdmission | undefined;

/**
 * The gate of whichever component owns a listener now. Empty between two owners on a reload: calls
 * then pass, to be held by the listener's relay for the next owner.
 */
export class GateSlot {
  current: CallGate | undefined;
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
    const done = () => {
      release?.();
      release = undefined;
    };
    return new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, pass) => {
            const admission = slot.current?.(method.path, metadata);
            if (admission && 'refuse' in admission) return call.sendStatus(admission.refuse);
            release = admission?.release;
            pass(metadata);
          },
          onCancel: done,
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
