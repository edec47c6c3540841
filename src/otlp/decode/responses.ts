import type { Signal } from '../../model/common.ts';
import { LEN, schema, VARINT, WireReader } from './wire.ts';

/** What an export answer carries when some items were rejected (OTLP `partial_success`). */
export interface PartialSuccess {
  rejected: number;
  message: string;
  signal: Signal;
}

/** rejected_data_points / rejected_spans / rejected_log_records: field 1 of each Export*PartialSuccess. */
const REJECTED_FIELD: Record<Signal, string> = { metrics: 'rejectedDataPoints', traces: 'rejectedSpans', logs: 'rejectedLogRecords' };

/**
 * Export{Metrics,Trace,Logs}ServiceResponse: empty when everything was accepted, else partial_success
 * (field 1) holding the rejected count (field 1, int64) and error_message (field 2).
 */
export function encodeExportResponseProto(partial?: PartialSuccess): Uint8Array {
  if (!partial || partial.rejected <= 0) return new Uint8Array(0);
  const inner = concat([varintField(1, partial.rejected), partial.message ? bytesField(2, utf8(partial.message)) : []]);
  return Uint8Array.from(bytesField(1, inner));
}

/** The same in OTLP/JSON; the count is an int64, so a decimal string by the proto3 JSON mapping. */
export function encodeExportResponseJson(partial?: PartialSuccess): string {
  if (!partial || partial.rejected <= 0) return '{}';
  return JSON.stringify({ partialSuccess: { [REJECTED_FIELD[partial.signal]]: String(partial.rejected), errorMessage: partial.message } });
}

/** google.rpc.Status{code = 1, message = 2, details = 3 (google.protobuf.Any)}: the body of OTLP/HTTP errors. */
export function encodeStatusProto(code: number, message: string, details: readonly Uint8Array[] = []): Uint8Array {
  return Uint8Array.from(concat([code ? varintField(1, code) : [], message ? bytesField(2, utf8(message)) : [], ...details.map((d) => bytesField(3, d))]));
}

export function encodeStatusJson(code: number, message: string): string {
  return JSON.stringify({ code, message });
}

/** google.protobuf.Any wrapping a google.rpc.RetryInfo{retry_delay: Duration}: the gRPC backpressure hint. */
export function encodeRetryInfoAny(delayMs: number): Uint8Array {
  const seconds = Math.floor(delayMs / 1000);
  const nanos = Math.round((delayMs % 1000) * 1e6);
  const duration = concat([seconds ? varintField(1, seconds) : [], nanos ? varintField(2, nanos) : []]);
  const retryInfo = bytesField(1, duration);
  return Uint8Array.from(concat([bytesField(1, utf8('type.googleapis.com/google.rpc.RetryInfo')), bytesField(2, retryInfo)]));
}

const utf8 = (s: string): number[] => [...Buffer.from(s, 'utf8')];
const concat = (parts: ArrayLike<number>[]): number[] => parts.flatMap((p) => Array.from(p));

/** A non-negative integer as a varint (exact to 2^53). */
function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

function varintField(field: number, value: number): number[] {
  return [...varint(field * 8), ...varint(value)];
}

function bytesField(field: number, bytes: ArrayLike<number>): number[] {
  return [...varint(field * 8 + 2), ...varint(bytes.length), ...Array.from(bytes)];
}

const STATUS = schema('google.rpc.Status', { 1: VARINT, 2: LEN, 3: LEN });
const ANY = schema('google.protobuf.Any', { 1: LEN, 2: LEN });
const RETRY_INFO = schema('google.rpc.RetryInfo', { 1: LEN });
const DURATION = schema('google.protobuf.Duration', { 1: VARINT, 2: VARINT });
const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

/**
 * The delay a google.rpc.Status (gRPC's `grpc-status-details-bin`) asks for in a RetryInfo detail, in
 * ms; undefined when it has none or cannot be read (a hint only: the sender's own backoff applies then).
 */
export function decodeRetryDelayMs(status: Uint8Array): number | undefined {
  try {
    const r = new WireReader(status);
    while (r.pos < r.length) {
      const tag = r.tag();
      if (tag !== ((3 << 3) | LEN)) {
        r.skip(tag, STATUS, r.length);
        continue;
      }
      const anyEnd = r.end(3, STATUS, r.length);
      let type = '';
      let value: Uint8Array | undefined;
      while (r.pos < anyEnd) {
        const t = r.tag();
        if (t === ((1 << 3) | LEN)) type = r.string(1, ANY, anyEnd);
        else if (t === ((2 << 3) | LEN)) value = r.bytes(2, ANY, anyEnd);
        else r.skip(t, ANY, anyEnd);
      }
      if (type === RETRY_INFO_TYPE && value) return retryInfoMs(value);
    }
  } catch {
    return undefined;
  }
  return undefined;
}

function retryInfoMs(bytes: Uint8Array): number | undefined {
  const r = new WireReader(bytes);
  while (r.pos < r.length) {
    const tag = r.tag();
    if (tag !== ((1 << 3) | LEN)) {
      r.skip(tag, RETRY_INFO, r.length);
      continue;
    }
    const end = r.end(1, RETRY_INFO, r.length);
    let seconds = 0;
    let nanos = 0;
    while (r.pos < end) {
      const t = r.tag();
      if (t === ((1 << 3) | VARINT)) seconds = r.int64();
      else if (t === ((2 << 3) | VARINT)) nanos = r.int32();
      else r.skip(t, DURATION, end);
    }
    return seconds * 1000 + nanos / 1e6;
  }
  return undefined;
}
