import { beforeAll, describe, expect, it } from 'vitest';
import { OtlpDecodeError, decodeLogsProto, decodeMetricsProto, decodeTracesProto } from '../../../src/otlp/decode/index.ts';
import { len, metricsRequest, prng, str, tag, varint, type Bytes } from './proto-writer.ts';
import { AggregationTemporality, metricsBodies, sdkLogs, sdkMetrics, sdkTraces } from './sdk-fixtures.ts';

type Decoder = (body: Uint8Array) => unknown;
const decoders: [string, Decoder][] = [
  ['metrics', decodeMetricsProto],
  ['traces', decodeTracesProto],
  ['logs', decodeLogsProto],
];

/** 'ok', or the message of an OtlpDecodeError; any other error fails the test. */
function outcome(decode: Decoder, body: Uint8Array): string {
  try {
    decode(body);
    return 'ok';
  } catch (error) {
    if (!(error instanceof OtlpDecodeError)) throw new Error(`not an OtlpDecodeError: ${String(error)} for body ${Buffer.from(body).toString('hex')}`);
    return error.message;
  }
}

describe('OTLP protobuf decoders on malformed input', () => {
  const bodies: Record<string, Uint8Array> = {};
  beforeAll(async () => {
    bodies.metrics = metricsBodies((await sdkMetrics(AggregationTemporality.CUMULATIVE))[1]).proto;
    bodies.traces = (await sdkTraces()).proto;
    bodies.logs = (await sdkLogs()).proto;
  });

  it.each(decoders)('fails with OtlpDecodeError on a %s body cut at any byte, saying it is truncated', (signal, decode) => {
    const body = bodies[signal]!;
    for (let cut = 1; cut < body.length; cut++) {
      const result = outcome(decode, body.subarray(0, cut));
      // A cut between two top-level fields leaves a valid, shorter request; anywhere else is an error.
      if (result !== 'ok') expect(result).toMatch(/^(truncated|invalid) protobuf: /);
    }
    const cuts = [1, 2, 10, Math.floor(body.length / 2), body.length - 1];
    for (const cut of cuts) expect(outcome(decode, body.subarray(0, cut))).toMatch(/^truncated protobuf: /);
  });

  it.each(decoders)('answers 200 random %s bodies with a result or an OtlpDecodeError, nothing else', (_, decode) => {
    const rand = prng(20261124);
    let errors = 0;
    for (let i = 0; i < 200; i++) {
      const body = Uint8Array.from({ length: 1 + Math.floor(rand() * 300) }, () => Math.floor(rand() * 256));
      if (outcome(decode, body) !== 'ok') errors++;
    }
    expect(errors).toBeGreaterThan(150); // random bytes are almost never a valid request
  });

  it.each(decoders)('answers 300 %s bodies with random bytes flipped with a result or an OtlpDecodeError', (signal, decode) => {
    const rand = prng(7);
    const body = bodies[signal]!;
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const copy = Uint8Array.from(body);
      for (let k = 0; k < 3; k++) copy[Math.floor(rand() * copy.length)] = Math.floor(rand() * 256);
      seen.add(outcome(decode, copy) === 'ok' ? 'ok' : 'error');
    }
    expect(seen.has('error')).toBe(true);
  });

  it('refuses attribute values nested 20,000 deep with an OtlpDecodeError, not a stack overflow', () => {
    // AnyValue{array_value: ArrayValue{values: [AnyValue{…}]}}, built inside out: prefixes, then reversed.
    const leaf = str(1, 'leaf');
    const prefixes: Bytes[] = [];
    let size = leaf.length;
    for (let i = 0; i < 20_000; i++) {
      const inner = [...tag(1, 2), ...varint(size)];
      const outer = [...tag(5, 2), ...varint(size + inner.length)];
      prefixes.push([...outer, ...inner]);
      size += outer.length + inner.length;
    }
    const value = prefixes.reverse().flat().concat(leaf);
    const body = metricsRequest([...str(1, 'g'), ...len(5, len(1, [...tag(4, 1), ...new Array(8).fill(0), ...len(7, [...str(1, 'deep'), ...len(2, value)])]))]);
    expect(outcome(decodeMetricsProto, body)).toMatch(/^invalid protobuf: AnyValue nested more than 64 levels deep/);
  });

  it('refuses a length of 4 GiB in a small body without allocating it', () => {
    const body = Uint8Array.from([...tag(1, 2), ...varint(2 ** 32 - 1), 0, 0]);
    for (const [, decode] of decoders) expect(outcome(decode, body)).toMatch(/needs 4294967295 bytes at byte 6, 2 remain/);
  });

  it('reads an empty body as an empty request', () => {
    expect(decodeMetricsProto(new Uint8Array(0))).toEqual({ batch: { resourceMetrics: [] }, rejected: 0 });
    expect(decodeTracesProto(new Uint8Array(0))).toEqual({ batch: { resourceSpans: [] }, rejected: 0 });
    expect(decodeLogsProto(new Uint8Array(0))).toEqual({ batch: { resourceLogs: [] }, rejected: 0 });
  });
});
