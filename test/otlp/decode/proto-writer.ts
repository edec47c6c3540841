/** A tiny protobuf writer for hand-made bodies: each helper returns the bytes of one field. */
export type Bytes = number[];

export function varint(value: number | bigint): Bytes {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: Bytes = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

export const tag = (field: number, wireType: number): Bytes => varint(field * 8 + wireType);
export const uint = (field: number, value: number | bigint): Bytes => [...tag(field, 0), ...varint(value)];
export const sint = (field: number, value: number): Bytes => [...tag(field, 0), ...varint(value < 0 ? -2 * value - 1 : 2 * value)];
export const len = (field: number, bytes: Bytes): Bytes => [...tag(field, 2), ...varint(bytes.length), ...bytes];
export const str = (field: number, s: string): Bytes => len(field, [...Buffer.from(s, 'utf8')]);

function le64(write: (b: Buffer) => void): Bytes {
  const b = Buffer.alloc(8);
  write(b);
  return [...b];
}
export const fixed64Bytes = (n: number | bigint): Bytes => le64((b) => b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(n))));
export const doubleBytes = (n: number): Bytes => le64((b) => b.writeDoubleLE(n));
export const fixed64 = (field: number, n: number | bigint): Bytes => [...tag(field, 1), ...fixed64Bytes(n)];
export const double = (field: number, n: number): Bytes => [...tag(field, 1), ...doubleBytes(n)];
export const fixed32 = (field: number, n: number): Bytes => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return [...tag(field, 5), ...b];
};

/** KeyValue{key, value: AnyValue{string_value}} as field `field`. */
export const stringAttr = (field: number, key: string, value: string): Bytes => len(field, [...str(1, key), ...len(2, str(1, value))]);

/** ExportMetricsServiceRequest{ResourceMetrics{ScopeMetrics{metrics…}}}. */
export const metricsRequest = (...metrics: Bytes[]): Uint8Array => Uint8Array.from(len(1, len(2, metrics.flatMap((m) => len(2, m)))));

/** ExportTraceServiceRequest{ResourceSpans{ScopeSpans{spans…}}}. */
export const tracesRequest = (...spans: Bytes[]): Uint8Array => Uint8Array.from(len(1, len(2, spans.flatMap((s) => len(2, s)))));

/** ExportLogsServiceRequest{ResourceLogs{ScopeLogs{log_records…}}}. */
export const logsRequest = (...records: Bytes[]): Uint8Array => Uint8Array.from(len(1, len(2, records.flatMap((l) => len(2, l)))));

/** A deterministic PRNG (mulberry32), so a failing random case can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
