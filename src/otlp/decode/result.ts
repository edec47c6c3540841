/** A decoded request, with what was rejected as unusable but did not make the request malformed. */
export interface DecodeResult<T> {
  batch: T;
  rejected: number;
  rejectedMessage?: string;
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
    return { batch, rejected: this.count, rejectedMessage: `${this.count} ${this.what} rejected: ${this.first}` };
  }
}
