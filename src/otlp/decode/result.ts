/** A decoded request, with what was rejected as unusable but did not make the request malformed. */
export interface DecodeResult<T> {
  batch: T;
  rejected: number;
  rejectedMessage?: string;
  /** The first reason alone, so that the parts of a request decoded apart can be answered as one. */
  rejectedReason?: string;
}

/** The `partial_success` message: how many items of which kind, and the first reason. */
export function rejectionMessage(count: number, what: string, reason: string): string {
  return `${count} ${what} rejected: ${reason}`;
}

/** Counts rejected items and keeps the first reason, for the OTLP `partial_success` answer. */
export class Rejections {
  private count = 0;
  private first: string | undefined;

  constructor(private readonly what: string) {}

  reject(n: number, reason: string): void {
    if (n <= 0) return;
    this.count += n;
    this.first ??= reason;
  }

  result<T>(batch: T): DecodeResult<T> {
    if (this.count === 0) return { batch, rejected: 0 };
    return { batch, rejected: this.count, rejectedMessage: rejectionMessage(this.count, this.what, this.first!), rejectedReason: this.first! };
  }
}
