import type { Signal } from '../../../src/model/common.ts';

/** What an export answer carries when some items were rejected (OTLP `partial_success`). */
export interface PartialSuccess {
  rejected: number;
  message: string;
  signal: Signal;
}

const REJECTED_FIELD: Record<Signal, string> = { metrics: 'rejectedDataPoints', traces: 'rejectedSpans', logs: 'rejectedLogRecords' };

/** Export{Metrics,Trace,Logs}ServiceResponse: empty, or partial_success (field 1) with the count and message. */
export function encodeExportResponseProto(partial?: PartialSuccess): Uint8Array {
  if (!partial || partial.rejected <= 0) return new Uint8Array(0);
  const inner = Buffer.concat([varintField(1, partial.rejected), bytesField(2, Buffer.from(partial.message, 'utf8'))]);
  return bytesField(1, inner);
}

export function encodeExportResponseJson(partial?: PartialSuccess): string {
  if (!partial || partial.rejected <= 0) return '{}';
  return JSON.stringify({ partialSuccess: { [REJECTED_FIELD[partial.signal]]: String(partial.rejected), errorMessage: partial.message } });
}

/** google.rpc.Status{code, message, details}: the body of OTLP/HTTP error answers. */
export function encodeStatusProto(code: number, message: string, details: Uint8Array[] = []): Uint8Array {
  return Buffer.concat([varintField(1, code), bytesField(2, Buffer.from(message, 'utf8')), ...details.map((d) => bytesField(3, d))]);
}

export function encodeStatusJson(code: number, message: string): string {
  return JSON.stringify({ code, message });
}

/** google.protobuf.Any wrapping a google.rpc.RetryInfo{retry_delay: Duration}: the gRPC backpressure hint. */
export function encodeRetryInfoAny(delayMs: number): Uint8Array {
  const seconds = Math.floor(delayMs / 1000);
  const nanos = Math.round((delayMs % 1000) * 1e6);
  const duration = Buffer.concat([seconds ? varintField(1, seconds) : Buffer.alloc(0), nanos ? varintField(2, nanos) : Buffer.alloc(0)]);
  const retryInfo = bytesField(1, duration);
  return Buffer.concat([bytesField(1, Buffer.from('type.googleapis.com/google.rpc.RetryInfo')), bytesField(2, retryInfo)]);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Buffer.from(out);
}

function varintField(field: number, value: number): Buffer {
  return Buffer.concat([varint(field * 8), varint(value)]);
}

function bytesField(field: number, bytes: Uint8Array): Buffer {
  return Buffer.concat([varint(field * 8 + 2), varint(bytes.length), bytes]);
}
