import { OtlpDecodeError } from './errors.ts';

/** Protobuf wire types. */
export const VARINT = 0;
export const I64 = 1;
export const LEN = 2;
export const I32 = 5;

const TWO_32 = 4294967296;

/**
 * A minimal protobuf wire reader: the hot path of the OTLP receiver. Hand-written because it decodes
 * ~3× faster than protobufjs on attribute-heavy requests (see FIELD-NOTES and `npm run bench`).
 * Every read checks bounds, so truncated input fails with a clear message and never reads garbage.
 */
export class WireReader {
  pos = 0;
  private readonly view: DataView;

  constructor(readonly buf: Buffer) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Reads a tag; returns the field number × 8 + wire type as a plain number. */
  tag(): number {
    return this.varint32();
  }

  varint32(): number {
    const buf = this.buf;
    let pos = this.pos;
    let result = 0;
    let shift = 0;
    while (true) {
      if (pos >= buf.length) throw this.truncated('a varint');
      const b = buf[pos++]!;
      if (shift < 28) result |= (b & 0x7f) << shift;
      else if (shift < 64) result += (b & 0x7f) * 2 ** shift;
      else throw new OtlpDecodeError(`invalid protobuf: varint longer than 10 bytes at byte ${this.pos}`);
      if (b < 0x80) break;
      shift += 7;
    }
    this.pos = pos;
    return result;
  }

  /** A varint as a float64 (exact below 2^53). Negative int64 values come out as two's complement. */
  varint64(): number {
    const buf = this.buf;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    let shift = 0;
    while (true) {
      if (pos >= buf.length) throw this.truncated('a varint');
      const b = buf[pos++]!;
      if (shift < 28) lo |= (b & 0x7f) << shift;
      else if (shift === 28) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >> 4;
      } else if (shift < 70) hi |= (b & 0x7f) << (shift - 32);
      else throw new OtlpDecodeError(`invalid protobuf: varint longer than 10 bytes at byte ${this.pos}`);
      if (b < 0x80) break;
      shift += 7;
    }
    this.pos = pos;
    return int64(lo >>> 0, hi | 0);
  }

  sint32(): number {
    const n = this.varint32();
    return (n >>> 1) ^ -(n & 1);
  }

  bool(): boolean {
    return this.varint32() !== 0;
  }

  fixed64(): number {
    this.need(8, 'a fixed64');
    const lo = this.view.getUint32(this.pos, true);
    const hi = this.view.getUint32(this.pos + 4, true);
    this.pos += 8;
    return hi * TWO_32 + lo;
  }

  sfixed64(): number {
    this.need(8, 'an sfixed64');
    const lo = this.view.getUint32(this.pos, true);
    const hi = this.view.getInt32(this.pos + 4, true);
    this.pos += 8;
    return hi * TWO_32 + lo;
  }

  fixed32(): number {
    this.need(4, 'a fixed32');
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  double(): number {
    this.need(8, 'a double');
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** The end offset of a length-delimited field that starts here. */
  lengthEnd(what: string): number {
    const len = this.varint32();
    const end = this.pos + len;
    if (end > this.buf.length) {
      throw new OtlpDecodeError(`truncated protobuf: ${what} needs ${len} bytes at byte ${this.pos}, ${this.buf.length - this.pos} remain`);
    }
    return end;
  }

  string(): string {
    const end = this.lengthEnd('a string');
    const start = this.pos;
    this.pos = end;
    return utf8(this.buf, start, end);
  }

  bytes(): Uint8Array {
    const end = this.lengthEnd('a bytes field');
    const out = this.buf.subarray(this.pos, end);
    this.pos = end;
    return new Uint8Array(out);
  }

  /** Bytes as lower-case hex (trace and span IDs). */
  hex(): string {
    const end = this.lengthEnd('an ID');
    const out = this.buf.toString('hex', this.pos, end);
    this.pos = end;
    return out;
  }

  skip(wireType: number, field: number): void {
    switch (wireType) {
      case VARINT:
        this.varint64();
        return;
      case I64:
        this.need(8, `field ${field}`);
        this.pos += 8;
        return;
      case LEN:
        this.pos = this.lengthEnd(`field ${field}`);
        return;
      case I32:
        this.need(4, `field ${field}`);
        this.pos += 4;
        return;
      default:
        throw new OtlpDecodeError(`invalid protobuf: wire type ${wireType} of field ${field} at byte ${this.pos} (groups are not supported)`);
    }
  }

  /** Fails unless `wireType` is what field `field` of `message` must have. */
  expect(wireType: number, expected: number, field: number, message: string): void {
    if (wireType !== expected) {
      throw new OtlpDecodeError(`invalid protobuf: field ${field} of ${message} has wire type ${wireType}, expected ${expected} (at byte ${this.pos})`);
    }
  }

  need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) throw this.truncated(what);
  }

  /** Fails if a nested message overran its declared length. */
  checkEnd(end: number, message: string): void {
    if (this.pos !== end) throw new OtlpDecodeError(`invalid protobuf: ${message} overruns its length at byte ${this.pos}`);
  }

  private truncated(what: string): OtlpDecodeError {
    return new OtlpDecodeError(`truncated protobuf: ${what} at byte ${this.pos} runs past the end (${this.buf.length} bytes)`);
  }
}

function int64(lo: number, hi: number): number {
  return hi * TWO_32 + lo;
}

/** Short ASCII strings (label names and values, mostly) decode faster by hand than through the codec. */
function utf8(buf: Buffer, start: number, end: number): string {
  if (end - start <= 24) {
    let out = '';
    for (let i = start; i < end; i++) {
      const c = buf[i]!;
      if (c >= 0x80) return buf.toString('utf8', start, end);
      out += String.fromCharCode(c);
    }
    return out;
  }
  return buf.toString('utf8', start, end);
}
