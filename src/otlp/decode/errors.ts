/** Malformed OTLP input: truncated or invalid protobuf, invalid JSON, wrong field types. Never retryable. */
export class OtlpDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OtlpDecodeError';
  }
}
