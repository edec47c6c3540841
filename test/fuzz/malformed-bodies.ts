import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { doubleBytes, len, str, tag, varint } from '../otlp/decode/proto-writer.ts';

/** One generated OTLP/HTTP request. */
export interface HttpCase {
  kind: string;
  path: string;
  contentType: string;
  contentEncoding?: string;
  body: Uint8Array;
}

/** One generated OTLP/gRPC request to a signal's Export method. */
export interface GrpcCase {
  kind: string;
  signal: 'metrics' | 'traces' | 'logs';
  body: Uint8Array;
}

/** Valid requests the malformed ones are made from (the SDK's own bytes). */
export interface Templates {
  metricsProto: Uint8Array;
  metricsJson: string;
  tracesProto: Uint8Array;
  tracesJson: string;
}

const PATHS = ['/v1/metrics', '/v1/metrics', '/v1/metrics', '/v1/traces', '/v1/logs'] as const;
const PROTO = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

/** A gzip body that inflates to 64 MiB of zeros (≈ 64 KiB on the wire): a small bomb, made once. */
let bomb: Uint8Array | undefined;
const gzipBomb = () => (bomb ??= gzipSync(Buffer.alloc(64 * 1024 * 1024)));

/** AnyValue nested `depth` levels (arrays in arrays), built inside out; every level is kept, so each depth is built once. */
const nested: Buffer[] = [Buffer.from(str(1, 'x'))];
function nestedAnyValue(depth: number): Buffer {
  while (nested.length <= depth) {
    const v = nested[nested.length - 1]!;
    const inner = Buffer.concat([Buffer.from(tag(1, 2)), Buffer.from(varint(v.length)), v]); // ArrayValue.values
    nested.push(Buffer.concat([Buffer.from(tag(5, 2)), Buffer.from(varint(inner.length)), inner])); // AnyValue.array_value
  }
  return nested[depth]!;
}

/** ExportMetricsServiceRequest with one gauge point whose `k` attribute is `value` (AnyValue bytes) and whose double is `d`. */
function metricWith(name: Uint8Array, value: Uint8Array, d: number): Uint8Array {
  const attr = len(7, [...str(1, 'k'), ...len(2, [...value])]);
  const point = [...tag(4, 1), ...doubleBytes(d), ...attr];
  const metric = [...len(1, [...name]), ...len(5, len(1, point))];
  return Uint8Array.from(len(1, len(2, len(2, metric))));
}

const uint8 = (maxLength: number) => fc.uint8Array({ maxLength });

/** Byte-level damage to a valid protobuf body. */
function damagedProto(template: Uint8Array): fc.Arbitrary<{ kind: string; body: Uint8Array }> {
  const n = template.length;
  return fc.oneof(
    fc.nat(n - 1).map((k) => ({ kind: 'truncated', body: template.subarray(0, k) })),
    fc.array(fc.tuple(fc.nat(n - 1), fc.nat(255)), { minLength: 1, maxLength: 8 }).map((flips) => {
      const b = Uint8Array.from(template);
      for (const [i, v] of flips) b[i] = v;
      return { kind: 'flipped bytes', body: b };
    }),
    fc.tuple(fc.nat(n), fc.integer({ min: 1, max: 15 }), fc.constantFrom(3, 4, 6, 7)).map(([at, field, wireType]) => ({
      kind: 'wrong wire type',
      body: Buffer.concat([template.subarray(0, at), Buffer.from(tag(field, wireType)), template.subarray(at)]),
    })),
    fc.tuple(fc.nat(n), fc.integer({ min: 1, max: 15 }), fc.constantFrom(0x7fffffff, 0xffffffff, 2 ** 40, 2 ** 53)).map(([at, field, length]) => ({
      kind: 'huge length',
      body: Buffer.concat([template.subarray(0, at), Buffer.from([...tag(field, 2), ...varint(length)]), template.subarray(at)]),
    })),
    fc.tuple(fc.nat(n), uint8(64)).map(([at, junk]) => ({ kind: 'inserted junk', body: Buffer.concat([template.subarray(0, at), junk, template.subarray(at)]) })),
  );
}

/** Valid protobuf framing around hostile content: deep nesting, invalid UTF-8, NaN and infinities. */
const hostileProto: fc.Arbitrary<{ kind: string; body: Uint8Array }> = fc.oneof(
  fc.integer({ min: 1, max: 1000 }).map((depth) => ({ kind: 'deep nesting', body: metricWith(Buffer.from('deep'), nestedAnyValue(depth), 1) })),
  fc.tuple(uint8(16), fc.constantFrom([0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82])).map(([prefix, bad]) => ({
    kind: 'invalid utf-8',
    body: metricWith(Uint8Array.from([...prefix.map((b) => 0x61 + (b % 26)), ...bad]), Buffer.from(str(1, String.fromCharCode(0xd800))), 1),
  })),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, Number.MIN_VALUE, Number.MAX_VALUE).map((d) => ({ kind: 'nan/inf', body: metricWith(Buffer.from('odd.values'), Buffer.from(str(1, 'v')), d) })),
  uint8(2048).map((b) => ({ kind: 'random bytes', body: b })),
);

/** Text-level damage to a valid JSON body, and JSON of the wrong shape. */
function damagedJson(template: string): fc.Arbitrary<{ kind: string; body: Uint8Array }> {
  const enc = (s: string) => Buffer.from(s, 'utf8');
  return fc.oneof(
    fc.nat(template.length - 1).map((k) => ({ kind: 'truncated json', body: enc(template.slice(0, k)) })),
    fc.json({ maxDepth: 4 }).map((j) => ({ kind: 'random json', body: enc(j) })),
    fc.tuple(fc.nat(1000), fc.jsonValue({ maxDepth: 3 })).map(([pick, value]) => ({ kind: 'wrong types', body: enc(replaceOneValue(template, pick, value)) })),
    fc.tuple(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom('[', '{"a":', '{"resourceMetrics":['), fc.boolean()).map(([depth, open, closed]) => ({
      kind: 'deep json',
      body: enc(open.repeat(depth) + (closed ? `1${(open === '[' ? ']' : open === '{"a":' ? '}' : ']}').repeat(depth)}` : '')),
    })),
    fc.constantFrom('"NaN"', '"Infinity"', '"-Infinity"', '1e400', '-1e400', '99999999999999999999999', '"0x10"', 'null', 'true').map((v) => ({
      kind: 'nan/inf json',
      body: enc(template.replace(/"as(Double|Int)":\s*("?[-0-9.e]+"?)/, `"asDouble":${v}`)),
    })),
    fc.tuple(fc.nat(template.length), fc.constantFrom([0xff], [0xc3], [0xed, 0xa0, 0x80], [0x00])).map(([at, bad]) => ({
      kind: 'invalid utf-8 json',
      body: Buffer.concat([enc(template.slice(0, at)), Buffer.from(bad), enc(template.slice(at))]),
    })),
  );
}

/** The template with its `pick`-th value (in document order, modulo their number) replaced. */
function replaceOneValue(template: string, pick: number, value: unknown): string {
  const root = JSON.parse(template) as unknown;
  const slots: [Record<string, unknown> | unknown[], string | number][] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach((x, i) => (slots.push([v, i]), walk(x)));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) slots.push([v as Record<string, unknown>, k]), walk(x);
  };
  walk(root);
  const [holder, key] = slots[pick % slots.length]!;
  (holder as Record<string | number, unknown>)[key] = value;
  return JSON.stringify(root);
}

/** Every kind of malformed OTLP/HTTP request: bodies as above, plus gzip bombs and wrong or missing content types. */
export function malformedHttp(t: Templates): fc.Arbitrary<HttpCase> {
  const path = fc.constantFrom(...PATHS);
  const protoBodies = fc.oneof(damagedProto(t.metricsProto), damagedProto(t.tracesProto), hostileProto);
  const jsonBodies = fc.oneof(damagedJson(t.metricsJson), damagedJson(t.tracesJson));
  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(path, protoBodies).map(([p, b]) => ({ ...b, path: p, contentType: PROTO })) },
    { weight: 6, arbitrary: fc.tuple(path, jsonBodies).map(([p, b]) => ({ ...b, path: p, contentType: JSON_TYPE })) },
    { weight: 1, arbitrary: path.map((p) => ({ kind: 'gzip bomb', path: p, contentType: PROTO, contentEncoding: 'gzip', body: gzipBomb() })) },
    { weight: 1, arbitrary: fc.tuple(path, protoBodies).map(([p, b]) => ({ kind: `gzip of ${b.kind}`, path: p, contentType: PROTO, contentEncoding: 'gzip', body: gzipSync(b.body) })) },
    { weight: 1, arbitrary: fc.tuple(path, uint8(256)).map(([p, b]) => ({ kind: 'not gzip', path: p, contentType: JSON_TYPE, contentEncoding: 'gzip', body: b })) },
    {
      weight: 1,
      arbitrary: fc.tuple(path, fc.constantFrom('text/plain', 'application/xml', '', 'application/x-protobuf; charset=utf-8', 'application/json;;', 'multipart/form-data'), fc.boolean()).map(([p, type, proto]) => ({
        kind: 'wrong content type',
        path: p,
        contentType: type,
        body: proto ? t.metricsProto : Buffer.from(t.metricsJson),
      })),
    },
    { weight: 1, arbitrary: path.map((p) => ({ kind: 'json as protobuf', path: p, contentType: PROTO, body: Buffer.from(t.metricsJson) })) },
  );
}

/** Malformed Export requests for gRPC: the same protobuf damage, to each signal's method. */
export function malformedGrpc(t: Templates): fc.Arbitrary<GrpcCase> {
  return fc.tuple(fc.constantFrom('metrics' as const, 'metrics' as const, 'traces' as const, 'logs' as const), fc.oneof(damagedProto(t.metricsProto), damagedProto(t.tracesProto), hostileProto)).map(([signal, b]) => ({ ...b, signal }));
}

/** A valid metrics request of one cumulative counter point, `fuzz.valid{n="<n>"}` = 1, its own series: the exporter counts them. */
export function validRequest(n: number): string {
  return JSON.stringify({
    resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'fuzz' } }] }, scopeMetrics: [{ metrics: [{ name: 'fuzz.valid', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ asDouble: 1, startTimeUnixNano: '1', timeUnixNano: String(Date.now() * 1e6), attributes: [{ key: 'n', value: { stringValue: String(n) } }] }] } }] }] }],
  });
}
