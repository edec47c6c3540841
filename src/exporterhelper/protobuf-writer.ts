/**
 * A growable buffer that writes protobuf fields by hand, for the exporters' request bodies (remote-write's
 * WriteRequest, DataDog's SketchPayload): no generated code, no intermediate objects. Length-delimited
 * fields are patched in place (lengths reserved as 5-byte varints, which every protobuf reader accepts).
 */
export class ProtobufWriter {
  private buf = Buffer.allocUnsafe(64 * 1024);
  private pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** A non-negative integer, exact to 2^53. */
  private varint(n: number): void {
    this.ensure(10);
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.pos++] = n;
  }

  /** Opens a length-delimited field; returns the mark to pass to `endLen`. */
  beginLen(field: number): number {
    this.varint(field * 8 + 2);
    this.ensure(5);
    const at = this.pos;
    this.pos += 5;
    return at;
  }

  endLen(at: number): void {
    let len = this.pos - at - 5;
    // A padded varint: 4 continuation bytes then the last, so the length needs no move.
    for (let i = 0; i < 4; i++) {
      this.buf[at + i] = (len & 0x7f) | 0x80;
      len >>>= 7;
    }
    this.buf[at + 4] = len;
  }

  string(field: number, s: string): void {
    const len = Buffer.byteLength(s);
    this.varint(field * 8 + 2);
    this.varint(len);
    this.ensure(len);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  double(field: number, v: number): void {
    this.varint(field * 8 + 1);
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  /** A double given as its 8 bytes, so a NaN's payload survives (V8 may quiet a signalling NaN). */
  fixed64(field: number, bytes: Buffer): void {
    this.varint(field * 8 + 1);
    this.ensure(8);
    this.pos += bytes.copy(this.buf, this.pos);
  }

  int64(field: number, v: number): void {
    this.varint(field * 8);
    if (v < 0) {
      // Two's complement over 10 bytes, as protobuf writes negative int64s.
      const big = BigInt.asUintN(64, BigInt(v));
      this.ensure(10);
      let x = big;
      while (x >= 0x80n) {
        this.buf[this.pos++] = Number(x & 0x7fn) | 0x80;
        x >>= 7n;
      }
      this.buf[this.pos++] = Number(x);
      return;
    }
    this.varint(v);
  }

  /** A `fixed32` (OTLP's span and log record flags). */
  fixed32(field: number, v: number): void {
    this.varint(field * 8 + 5);
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }

  /** A `fixed64` (OTLP's timestamps and counts) from a non-negative number, exact to 2^53. */
  fixed64Number(field: number, v: number): void {
    this.varint(field * 8 + 1);
    this.writeFixed64(v);
  }

  /** A `sint32` (or sint64): zigzag varint. */
  sint(field: number, v: number): void {
    this.varint(field * 8);
    this.varint(v < 0 ? -2 * v - 1 : 2 * v);
  }

  bytes(field: number, b: Uint8Array): void {
    this.varint(field * 8 + 2);
    this.varint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** `repeated fixed64`, packed. */
  packedFixed64(field: number, values: readonly number[]): void {
    if (values.length === 0) return;
    const at = this.beginLen(field);
    for (const v of values) this.writeFixed64(v);
    this.endLen(at);
  }

  /** `repeated double`, packed. */
  packedDouble(field: number, values: readonly number[]): void {
    if (values.length === 0) return;
    const at = this.beginLen(field);
    this.ensure(8 * values.length);
    for (const v of values) {
      this.buf.writeDoubleLE(v, this.pos);
      this.pos += 8;
    }
    this.endLen(at);
  }

  private writeFixed64(v: number): void {
    this.ensure(8);
    const n = Math.max(0, Math.round(v));
    this.buf.writeUInt32LE(n % 0x100000000, this.pos);
    this.buf.writeUInt32LE(Math.floor(n / 0x100000000) >>> 0, this.pos + 4);
    this.pos += 8;
  }

  /** `repeated sint32` (or sint64), packed: zigzag varints in one length-delimited field. */
  packedSint(field: number, values: readonly number[]): void {
    if (values.length === 0) return;
    const at = this.beginLen(field);
    for (const v of values) this.varint(v < 0 ? -2 * v - 1 : 2 * v);
    this.endLen(at);
  }

  /** `repeated uint32` (or uint64), packed. */
  packedUint(field: number, values: readonly number[]): void {
    if (values.length === 0) return;
    const at = this.beginLen(field);
    for (const v of values) this.varint(v);
    this.endLen(at);
  }

  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}
