/**
 * The request bytes a listener holds at once (bodies read and not yet answered), against
 * `max_request_bytes_in_flight`: what bounds its memory when many large requests arrive together,
 * which a count of requests cannot. A request alone is always let in, however large (its own size
 * limit bounds it), or it could never pass.
 */
export class BytesInFlight {
  private bytes = 0;

  constructor(readonly limit: number) {}

  /** Whether a request of `size` bytes (0: not known yet) must be refused now, before it is read. */
  refuses(size = 0): boolean {
    return this.bytes > 0 && this.bytes + Math.max(size, 1) > this.limit;
  }

  /** Counts `size` bytes in, unless that passes the limit; whether it did. */
  reserve(size: number): boolean {
    return this.grow(0, size);
  }

  /**
   * Counts `size` more bytes of a request that already holds `held` (a body counted as it arrives),
   * unless that passes the limit while other requests hold bytes too; whether it did.
   */
  grow(held: number, size: number): boolean {
    if (this.bytes > held && this.bytes + size > this.limit) return false;
    this.bytes += size;
    return true;
  }

  release(size: number): void {
    this.bytes -= size;
  }

  /** The refusal's message, the same on both protocols. */
  message(): string {
    return `over max_request_bytes_in_flight (${this.limit} bytes of requests held at once); retry later`;
  }
}
