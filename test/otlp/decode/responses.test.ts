import { describe, expect, it } from 'vitest';
import { decodeRetryDelayMs, encodeExportResponseJson, encodeExportResponseProto, encodeRetryInfoAny, encodeStatusJson, encodeStatusProto } from '../../../src/otlp/decode/index.ts';
import { LEN, VARINT, WireReader, schema } from '../../../src/otlp/decode/wire.ts';
import { pb, toObject } from './protobufjs-oracle.ts';

/** Reads google.rpc.Status by hand: the generated module has no google.* types. */
function readStatus(body: Uint8Array): { code: number; message: string; details: string[] } {
  const S = schema('Status', { 1: VARINT, 2: LEN, 3: LEN });
  const r = new WireReader(body);
  const out = { code: 0, message: '', details: [] as string[] };
  while (r.pos < r.length) {
    const tag = r.tag();
    if (tag === 0x08) out.code = r.varint32();
    else if (tag === 0x12) out.message = r.string(2, S, r.length);
    else if (tag === 0x1a) out.details.push(r.hex(3, S, r.length));
    else r.skip(tag, S, r.length);
  }
  return out;
}

describe('OTLP export responses', () => {
  it('encodes full success as an empty message, in protobuf and JSON', () => {
    expect(encodeExportResponseProto()).toEqual(new Uint8Array(0));
    expect(encodeExportResponseProto({ rejected: 0, message: 'nothing', signal: 'metrics' })).toEqual(new Uint8Array(0));
    expect(encodeExportResponseJson()).toBe('{}');
    expect(toObject(pb.metricsResponse, encodeExportResponseProto())).toEqual({ partialSuccess: null });
  });

  it('encodes partial success with the per-signal rejected count and the message, as the official protos read them', () => {
    const message = '2 data points rejected: a data point of "g" has no value';
    expect(toObject(pb.metricsResponse, encodeExportResponseProto({ rejected: 2, message, signal: 'metrics' }))).toEqual({ partialSuccess: { rejectedDataPoints: 2, errorMessage: message } });
    expect(toObject(pb.traceResponse, encodeExportResponseProto({ rejected: 300, message: 'spans', signal: 'traces' }))).toEqual({ partialSuccess: { rejectedSpans: 300, errorMessage: 'spans' } });
    expect(toObject(pb.logsResponse, encodeExportResponseProto({ rejected: 2 ** 40, message: 'logs ☃', signal: 'logs' }))).toEqual({ partialSuccess: { rejectedLogRecords: 2 ** 40, errorMessage: 'logs ☃' } });
  });

  it('encodes partial success in OTLP/JSON with lowerCamelCase names and the count as an int64 string', () => {
    expect(JSON.parse(encodeExportResponseJson({ rejected: 2, message: 'm', signal: 'metrics' }))).toEqual({ partialSuccess: { rejectedDataPoints: '2', errorMessage: 'm' } });
    expect(JSON.parse(encodeExportResponseJson({ rejected: 1, message: 'm', signal: 'traces' }))).toEqual({ partialSuccess: { rejectedSpans: '1', errorMessage: 'm' } });
    expect(JSON.parse(encodeExportResponseJson({ rejected: 1, message: 'm', signal: 'logs' }))).toEqual({ partialSuccess: { rejectedLogRecords: '1', errorMessage: 'm' } });
  });

  it('encodes google.rpc.Status for error bodies, with details when given', () => {
    expect(readStatus(encodeStatusProto(3, 'truncated protobuf: …'))).toEqual({ code: 3, message: 'truncated protobuf: …', details: [] });
    expect(readStatus(encodeStatusProto(14, 'busy', [Uint8Array.from([1, 2])]))).toEqual({ code: 14, message: 'busy', details: ['0102'] });
    expect(JSON.parse(encodeStatusJson(3, 'bad'))).toEqual({ code: 3, message: 'bad' });
  });

  it('wraps RetryInfo in a google.protobuf.Any with its type URL and the delay as a Duration', () => {
    const any = encodeRetryInfoAny(1500);
    const r = new WireReader(any);
    const A = schema('Any', { 1: LEN, 2: LEN });
    expect(r.tag()).toBe(0x0a);
    expect(r.string(1, A, r.length)).toBe('type.googleapis.com/google.rpc.RetryInfo');
    expect(r.tag()).toBe(0x12);
    // RetryInfo{retry_delay (1): Duration{seconds (1): 1, nanos (2): 500,000,000}}
    expect(r.hex(2, A, r.length)).toBe(Buffer.from([0x0a, 0x08, 0x08, 0x01, 0x10, 0x80, 0xca, 0xb5, 0xee, 0x01]).toString('hex'));
  });

  it('reads back the retry delay of a Status carrying a RetryInfo (what the loadbalancing exporter honours over gRPC), and nothing from one without or from garbage', () => {
    expect(decodeRetryDelayMs(encodeStatusProto(8, 'over the limit', [encodeRetryInfoAny(1500)]))).toBe(1500);
    expect(decodeRetryDelayMs(encodeStatusProto(14, 'busy', [encodeRetryInfoAny(30_000)]))).toBe(30_000);
    expect(decodeRetryDelayMs(encodeStatusProto(14, 'busy'))).toBeUndefined();
    expect(decodeRetryDelayMs(Uint8Array.from([0x1a, 0x40, 0x01]))).toBeUndefined();
  });
});
