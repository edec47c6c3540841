import { describe, expect, it } from 'vitest';
import { AttributeSets } from '../../../src/otlp/decode/attribute-sets.ts';
import { OtlpDecodeError, decodeMetricsProto } from '../../../src/otlp/decode/index.ts';
import { I64, LEN, VARINT, WireReader, schema } from '../../../src/otlp/decode/wire.ts';
import { double, fixed32, fixed64, len, metricsRequest, str, tag, uint, varint } from './proto-writer.ts';

const M = schema('Test', { 1: LEN, 2: VARINT, 3: [LEN, I64] });
const reader = (bytes: number[]) => new WireReader(Uint8Array.from(bytes));

describe('protobuf wire reader', () => {
  it('reads varints of one to ten bytes as uint32, int32, int64 and uint64', () => {
    expect(reader(varint(1)).varint32()).toBe(1);
    expect(reader(varint(300)).varint32()).toBe(300);
    expect(reader(varint(2 ** 32 - 1)).varint32()).toBe(2 ** 32 - 1);
    expect(reader(varint(-1)).int32()).toBe(-1);
    expect(reader(varint(-2)).int64()).toBe(-2);
    expect(reader(varint(-(2 ** 40))).int64()).toBe(-(2 ** 40));
    expect(reader(varint(2 ** 53 - 1)).int64()).toBe(2 ** 53 - 1);
    expect(reader(varint(2 ** 63)).uint64()).toBe(2 ** 63);
    const r = reader([...varint(5), ...varint(2 ** 35)]);
    expect([r.varint32(), r.uint64(), r.pos]).toEqual([5, 2 ** 35, 7]); // 2^35 takes six bytes
  });

  it('reads fixed64 as lo + hi × 2^32, sfixed64 with its sign, fixed32 and doubles little-endian', () => {
    expect(reader(fixed64(1, 1_700_000_000_123_456_789n).slice(1)).fixed64()).toBe(Number(1_700_000_000_123_456_789n));
    expect(reader(fixed64(1, -7n).slice(1)).sfixed64()).toBe(-7);
    expect(reader(fixed32(1, 0xdeadbeef).slice(1)).fixed32()).toBe(0xdeadbeef);
    expect(reader(double(1, -0.1).slice(1)).double()).toBe(-0.1);
  });

  it('reads UTF-8 strings and lower-case hex IDs from length-delimited fields', () => {
    const r = reader([...str(1, 'héllo ☃'), ...len(2, [0xab, 0x01, 0xff])]);
    expect(r.tag()).toBe(0x0a);
    expect(r.string(1, M, r.length)).toBe('héllo ☃');
    expect(r.tag()).toBe(0x12);
    expect(r.hex(2, M, r.length)).toBe('ab01ff');
  });

  it('reuses an attribute key string only when its bytes match', () => {
    const r = reader([...str(1, 'route'), ...str(1, 'route'), ...str(1, 'rxute'), ...str(1, 'ключ')]);
    const keys = [0, 1, 2, 3].map(() => (r.tag(), r.key(1, M, r.length)));
    expect(keys).toEqual(['route', 'route', 'rxute', 'ключ']);
  });

  it('names the field, the message and the shortfall when a length runs past its message', () => {
    const r = reader([...tag(1, LEN), ...varint(120), 1, 2, 3]);
    r.tag();
    expect(() => r.end(1, M, r.length)).toThrow('truncated protobuf: field 1 of Test needs 120 bytes at byte 2, 3 remain');
  });

  it('fails on a known field with the wrong wire type, naming both types', () => {
    const r = reader(uint(1, 5));
    expect(() => r.skip(r.tag(), M, r.length)).toThrow('invalid protobuf: field 1 of Test has wire type 0 (VARINT), expected 2 (LEN), at byte 1');
    const r3 = reader(fixed32(3, 1));
    expect(() => r3.skip(r3.tag(), M, r3.length)).toThrow('expected 2 (LEN) or 1 (I64)');
  });

  it('skips unknown fields of each wire type, and refuses groups and field number 0', () => {
    const r = reader([...uint(9, 2 ** 40), ...fixed64(10, 1), ...str(11, 'x'), ...fixed32(12, 1)]);
    for (let i = 0; i < 4; i++) r.skip(r.tag(), M, r.length);
    expect(r.pos).toBe(r.length);
    const group = reader([...tag(9, 3)]);
    expect(() => group.skip(group.tag(), M, group.length)).toThrow('wire type 3 (SGROUP), which OTLP never uses');
    expect(() => reader([0x02, 0x00]).tag()).toThrow(OtlpDecodeError);
  });

  it('refuses a varint longer than ten bytes', () => {
    expect(() => reader(new Array(11).fill(0xff)).uint64()).toThrow('varint longer than 10 bytes');
    expect(() => reader(new Array(11).fill(0xff)).varint32()).toThrow('varint longer than 10 bytes');
  });

  it('fails when a nested message ends somewhere other than where its length said', () => {
    // A Metric of 3 bytes whose name field claims 5: the name runs past the Metric.
    const body = Uint8Array.from(len(1, len(2, [...tag(2, LEN), 3, ...str(1, 'abcde')])));
    expect(() => decodeMetricsProto(body)).toThrow(/truncated protobuf: field 1 of Metric needs 5 bytes at byte \d+, 1 remain/);
  });

  it('fails when a fixed-size field runs past the end of its message into the next one', () => {
    // A NumberDataPoint of 5 bytes holding a 9-byte fixed64, followed by bytes that would satisfy the read.
    const body = Uint8Array.from(len(1, len(2, len(2, [...str(1, 'g'), ...tag(5, LEN), 7, ...tag(1, LEN), 5, ...fixed64(3, 1).slice(0, 5), 0, 0, 0, 0]))));
    expect(() => decodeMetricsProto(body)).toThrow(/^invalid protobuf: a field of NumberDataPoint runs past the end of the message/);
  });

  it('names the message when a known field of a real message has the wrong wire type', () => {
    expect(() => decodeMetricsProto(Uint8Array.from(uint(1, 1)))).toThrow('invalid protobuf: field 1 of ExportMetricsServiceRequest has wire type 0 (VARINT), expected 2 (LEN)');
    expect(() => decodeMetricsProto(metricsRequest([...str(1, 'g'), ...len(5, len(1, [...tag(3, LEN), 0]))]))).toThrow('field 3 of NumberDataPoint has wire type 2 (LEN), expected 1 (I64)');
  });
});

describe('attribute-set cache', () => {
  it('finds a set only by equal bytes, not by equal hash or a common prefix', () => {
    const buf = Uint8Array.from([1, 2, 3, 4, 1, 2, 9, 9]);
    const sets = new AttributeSets(buf);
    const a = { a: 1 };
    sets.add(0, 4, 7, a);
    expect(sets.find(0, 4, 7)).toBe(a);
    expect(sets.find(4, 6, 7)).toBeUndefined(); // [1, 2]: a prefix of the stored run, same hash
    expect(sets.find(4, 8, 7)).toBeUndefined(); // same length and hash, other bytes
    expect(sets.find(0, 4, 8)).toBeUndefined();
    expect(sets.hash(0, 2)).toBe(sets.hash(4, 6));
    expect(sets.hash(0, 4)).not.toBe(sets.hash(4, 8));
  });

  it('turns itself off after many misses with few hits', () => {
    const sets = new AttributeSets(new Uint8Array(8));
    for (let i = 0; i < 2047; i++) sets.add(0, 1, i, {});
    expect(sets.enabled).toBe(true);
    sets.add(0, 1, 5000, {});
    expect(sets.enabled).toBe(false);
  });
});
