import { SpanKind, SpanStatusCode, type Attributes, type Tracer } from '@opentelemetry/api';

/** A span of the gateway's own traces; every method is a no-op while `service.telemetry.traces` is off. */
export interface OwnSpan {
  /** One more attempt of the same send (the span's `retries` attribute). */
  retried(): void;
  /** The attempts before this one, when the sender counts them (a JetStream redelivery): `retries`. */
  setRetries(count: number): void;
  /** Ends the span; an error (with its reason) sets its status. */
  end(error?: { reason: string; message: string }): void;
}

const NO_SPAN: OwnSpan = { retried: () => {}, setRetries: () => {}, end: () => {} };

/** Starts a span when there is a tracer; the shared no-op otherwise, so tracing off costs no allocation. */
export function startOwnSpan(tracer: Tracer | undefined, name: string, kind: 'server' | 'client', attributes: Attributes): OwnSpan {
  if (!tracer) return NO_SPAN;
  const span = tracer.startSpan(name, { kind: kind === 'server' ? SpanKind.SERVER : SpanKind.CLIENT, attributes });
  let retries = 0;
  return {
    retried: () => void span.setAttribute('retries', ++retries),
    setRetries: (count) => void span.setAttribute('retries', (retries = count)),
    end: (error) => {
      if (error) {
        span.setAttribute('error.type', error.reason);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      }
      span.end();
    },
  };
}
