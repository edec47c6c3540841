import { ConsumerError } from '../consumer/errors.ts';
import type { WireError } from './protocol.ts';

/** A refusal as it crosses to the other thread: plain data (a ConsumerError's class does not survive a clone). */
export function toWire(error: unknown): WireError {
  const e = ConsumerError.from(error);
  return { message: e.message, retryable: e.retryable, ...(e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}), ...(e.rejectedItems !== undefined ? { rejectedItems: e.rejectedItems } : {}) };
}

export function fromWire(e: WireError): ConsumerError {
  return e.retryable ? ConsumerError.retryable(e.message, e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}) : ConsumerError.permanent(e.message, e.rejectedItems !== undefined ? { rejectedItems: e.rejectedItems } : {});
}
