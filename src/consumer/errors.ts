/**
 * Why a consumer refused data. `retryable` tells the sender whether the same data may succeed later
 * (backpressure, an outage) or never will (malformed, rejected by the backend): receivers map it to
 * 429/503 + Retry-After or to 400, exporters to retry or drop.
 */
export class ConsumerError extends Error {
  readonly retryable: boolean;
  /** How long the sender should wait before retrying, when known. */
  readonly retryAfterMs: number | undefined;
  /** Data points (or spans, or log records) rejected, when only part of the batch was. */
  readonly rejectedItems: number | undefined;

  private constructor(message: string, retryable: boolean, retryAfterMs?: number, rejectedItems?: number, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ConsumerError';
    this.retryable = retryable;
    this.retryAfterMs = retryAfterMs;
    this.rejectedItems = rejectedItems;
  }

  static permanent(message: string, options: { rejectedItems?: number; cause?: unknown } = {}): ConsumerError {
    return new ConsumerError(message, false, undefined, options.rejectedItems, options.cause);
  }

  static retryable(message: string, options: { retryAfterMs?: number; cause?: unknown } = {}): ConsumerError {
    return new ConsumerError(message, true, options.retryAfterMs, undefined, options.cause);
  }

  /** Any other error escaping a stage is treated as retryable: a bug must not turn into data loss. */
  static from(error: unknown): ConsumerError {
    if (error instanceof ConsumerError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return ConsumerError.retryable(message, { cause: error });
  }
}
