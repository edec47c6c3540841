import { describe, expect, it } from 'vitest';
import { decodeMetricsProto } from '../../../src/otlp/decode/index.ts';
import type { ExponentialHistogramDataPoint, HistogramDataPoint, Metric, MetricsBatch, NumberDataPoint } from '../../../src/model/metrics.ts';
import { encode, oracleMetrics, pb } from './protobufjs-oracle.ts';
import { double, fixed64, len, metricsRequest, sint, str, stringAttr, uint, type Bytes, doubleBytes, fixed64Bytes, varint, fixed32, tag } from './proto-writer.ts';
import { AggregationTemporality, HTTP_ATTRS, exporterSerializers, metricsBodies, sdkMetrics } from './sdk-fixtures.ts';

const metricsOf = (b: MetricsBatch): Record<string, Metric> =>
  Object.fromEntries(b.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.map((m) => [m.name, m]))));
const pointsOf = (m: Metric | undefined) => (m?.points ?? []) as NumberDataPoint[];
const onlyPoint = <P>(b: MetricsBatch, name: string): P => {
  const points = metricsOf(b)[name]!.points;
  expect(points).toHaveLength(1);
  return points[0] as P;
};

/** A NumberDataPoint with a time, a double value and one attribute. */
const numberPoint = (value: number, attr = 'a'): Bytes => [...fixed64(3, 1e18), ...double(4, value), ...stringAttr(7, 'k', attr)];
const gauge = (name: string, ...points: Bytes[]): Bytes => [...str(1, name), ...len(5, points.flatMap((p) => len(1, p)))];
const sum = (name: string, temporality: number, ...points: Bytes[]): Bytes => [...str(1, name), ...len(7, [...points.flatMap((p) => len(1, p)), ...uint(2, temporality), ...uint(3, 1)])];

describe('OTLP protobuf metrics decoder', () => {
  it('reads what the SDK sends with cumulative temporality: every instrument kind, names, units, values, attributes', async () => {
    const [, second] = await sdkMetrics(AggregationTemporality.CUMULATIVE);
    const { batch, rejected, rejectedMessage } = decodeMetricsProto(metricsBodies(second).proto);
    expect(rejected).toBe(0);
    expect(rejectedMessage).toBeUndefined();
    expect(batch.resourceMetrics).toHaveLength(1);
    expect(batch.resourceMetrics[0]!.resource.attributes).toMatchObject({ 'service.name': 'prompter-api', 'deployment.environment.name': 'test', 'process.pid': 4242 });
    expect(batch.resourceMetrics[0]!.scopeMetrics[0]!.scope).toEqual({ name: 'prompter', version: '7.0.0', attributes: {} });
    const m = metricsOf(batch);

    expect(m['http.server.requests']).toMatchObject({ type: 'sum', monotonic: true, temporality: 'cumulative', unit: '{request}', description: 'Requests served.' });
    const requests = pointsOf(m['http.server.requests']);
    expect(requests.find((p) => p.attributes['http.response.status_code'] === 200)).toMatchObject({ value: 6, attributes: HTTP_ATTRS });
    expect(requests.find((p) => p.attributes['http.response.status_code'] === 500)).toMatchObject({ value: 2.5 });
    expect(requests[0]!.attributes).toEqual(HTTP_ATTRS); // arrays stay arrays, ints and doubles numbers, bools booleans

    expect(m['jobs.done']).toMatchObject({ type: 'sum', monotonic: true });
    expect(pointsOf(m['jobs.done'])[0]!.value).toBe(9); // as_int
    expect(m['queue.depth']).toMatchObject({ type: 'sum', monotonic: false, temporality: 'cumulative' });
    expect(pointsOf(m['queue.depth'])[0]!.value).toBe(-2);
    expect(m.temperature).toMatchObject({ type: 'gauge', unit: 'Cel' });
    expect(pointsOf(m.temperature)[0]).toMatchObject({ value: 21.5, attributes: { room: 'b' } });
    expect(m['redis.up']).toMatchObject({ type: 'gauge' });
    expect(pointsOf(m['redis.up'])[0]).toMatchObject({ value: 1, attributes: { instance: 'r1' } });

    expect(m['http.server.request.duration']).toMatchObject({ type: 'histogram', temporality: 'cumulative', unit: 's' });
    const h = onlyPoint<HistogramDataPoint>(batch, 'http.server.request.duration');
    expect(h).toMatchObject({ count: 4, min: 0.05, max: 4, bucketCounts: [1, 2, 1], explicitBounds: [0.1, 1], attributes: { 'http.route': '/a' } });
    expect(h.sum).toBeCloseTo(4.55, 10);

    expect(m['latency.exp']).toMatchObject({ type: 'exponential_histogram', temporality: 'cumulative' });
    const e = onlyPoint<ExponentialHistogramDataPoint>(batch, 'latency.exp');
    expect(e).toMatchObject({ count: 3, sum: 3.5, zeroCount: 1, min: 0, max: 3 });
    expect(e.positive.bucketCounts.reduce((a, b) => a + b, 0)).toBe(2);
    expect(e.scale).toBeGreaterThan(0);

    const now = Date.now() * 1e6;
    for (const p of requests) {
      expect(Math.abs(p.timeUnixNano - now)).toBeLessThan(60e9);
      expect(p.startTimeUnixNano).toBeLessThanOrEqual(p.timeUnixNano);
      expect(p.flags).toBe(0);
    }
  });

  it('reads delta temporality: the second collection carries only what was added since the first', async () => {
    const [first, second] = await sdkMetrics(AggregationTemporality.DELTA);
    const one = decodeMetricsProto(metricsBodies(first).proto).batch;
    const two = decodeMetricsProto(metricsBodies(second).proto).batch;
    expect(metricsOf(two)['http.server.requests']).toMatchObject({ type: 'sum', temporality: 'delta', monotonic: true });
    const ok = (b: MetricsBatch) => pointsOf(metricsOf(b)['http.server.requests']).find((p) => p.attributes['http.response.status_code'] === 200)!.value;
    expect([ok(one), ok(two)]).toEqual([5, 1]);
    expect(pointsOf(metricsOf(two)['jobs.done'])[0]!.value).toBe(2);
    expect(metricsOf(two)['http.server.request.duration']).toMatchObject({ temporality: 'delta' });
    expect(onlyPoint<HistogramDataPoint>(two, 'http.server.request.duration')).toMatchObject({ count: 1, bucketCounts: [0, 1, 0] });
  });

  it('decodes the same bytes to the same model as the protobufjs module generated from the official protos', async () => {
    for (const temporality of [AggregationTemporality.CUMULATIVE, AggregationTemporality.DELTA]) {
      for (const rm of await sdkMetrics(temporality)) {
        const { proto } = metricsBodies(rm);
        expect(decodeMetricsProto(proto).batch).toEqual(oracleMetrics(proto));
      }
    }
  });

  it('decodes the bytes of the serializer the installed 0.223 exporters use', async () => {
    const [, second] = await sdkMetrics(AggregationTemporality.CUMULATIVE);
    const body = exporterSerializers().metricsProto.serializeRequest(second)!;
    const { batch, rejected } = decodeMetricsProto(body);
    expect(rejected).toBe(0);
    expect(batch).toEqual(oracleMetrics(body));
    expect(Object.keys(metricsOf(batch)).sort()).toEqual(['http.server.request.duration', 'http.server.requests', 'jobs.done', 'latency.exp', 'queue.depth', 'redis.up', 'temperature']);
  });

  it('reads int64 timeUnixNano as a number, and as_int as a signed 64-bit value', () => {
    const t = 1_700_000_000_123_456_789n;
    const body = metricsRequest(
      gauge('g', [...fixed64(2, t - 1000n), ...fixed64(3, t), ...fixed64(6, -5n)]), // as_int is an sfixed64: same wire type, two's complement
      gauge('big', [...fixed64(3, 1), ...fixed64(6, 2n ** 40n + 3n)]),
    );
    const { batch } = decodeMetricsProto(body);
    expect(onlyPoint<NumberDataPoint>(batch, 'g')).toMatchObject({ timeUnixNano: Number(t), startTimeUnixNano: Number(t - 1000n), value: -5 });
    expect(onlyPoint<NumberDataPoint>(batch, 'big').value).toBe(2 ** 40 + 3);
  });

  it('reads packed and unpacked repeated fields alike', () => {
    const counts = [1, 2, 300];
    const bounds = [0.5, 10];
    const packed = [...len(6, counts.flatMap(fixed64Bytes)), ...len(7, bounds.flatMap(doubleBytes))];
    const unpacked = [...counts.flatMap((c) => fixed64(6, c)), ...bounds.flatMap((b) => double(7, b))];
    const histogram = (name: string, fields: Bytes) => [...str(1, name), ...len(9, [...len(1, [...fixed64(4, 303), ...fields]), ...uint(2, 2)])];
    const expPacked = len(8, [...sint(1, -2), ...len(2, [...varint(1), ...varint(300), ...varint(2 ** 40)])]);
    const expUnpacked = len(8, [...sint(1, -2), ...uint(2, 1), ...uint(2, 300), ...uint(2, 2 ** 40)]);
    const exp = (name: string, buckets: Bytes) => [...str(1, name), ...len(10, [...len(1, [...fixed64(4, 301), ...buckets]), ...uint(2, 1)])];
    const { batch, rejected } = decodeMetricsProto(metricsRequest(histogram('packed', packed), histogram('unpacked', unpacked), exp('exp.packed', expPacked), exp('exp.unpacked', expUnpacked)));
    expect(rejected).toBe(0);
    for (const name of ['packed', 'unpacked']) expect(onlyPoint<HistogramDataPoint>(batch, name)).toMatchObject({ count: 303, bucketCounts: counts, explicitBounds: bounds });
    for (const name of ['exp.packed', 'exp.unpacked']) expect(onlyPoint<ExponentialHistogramDataPoint>(batch, name).positive).toEqual({ offset: -2, bucketCounts: [1, 300, 2 ** 40] });
  });

  it('reads zigzag-encoded scale and bucket offsets, negative ones included', () => {
    const point = [...sint(6, -3), ...fixed64(7, 4), ...double(14, 1e-9), ...len(9, [...sint(1, 5), ...len(2, varint(7))]), ...len(8, sint(1, -1))];
    const body = metricsRequest([...str(1, 'e'), ...len(10, [...len(1, point), ...uint(2, 2)])]);
    expect(onlyPoint<ExponentialHistogramDataPoint>(decodeMetricsProto(body).batch, 'e')).toMatchObject({
      scale: -3,
      zeroCount: 4,
      zeroThreshold: 1e-9,
      negative: { offset: 5, bucketCounts: [7] },
      positive: { offset: -1, bucketCounts: [] },
    });
  });

  it('skips unknown fields of every wire type, exemplars and metadata, and reads the rest unchanged', () => {
    const unknown = (field: number): Bytes => [...uint(field, 300), ...fixed64(field + 1, 9), ...str(field + 2, 'future'), ...fixed32(field + 3, 7)];
    const exemplar = len(5, [...fixed64(2, 1), ...double(3, 9.5)]);
    const plain = metricsRequest(gauge('g', numberPoint(1.5)));
    const noisy = Uint8Array.from([
      ...unknown(90),
      ...len(1, [...unknown(90), ...len(2, [...unknown(90), ...len(2, [...unknown(90), ...str(1, 'g'), ...len(12, stringAttr(1, 'meta', 'x')), ...len(5, [...unknown(90), ...len(1, [...numberPoint(1.5), ...exemplar, ...unknown(90)])])])])]),
    ]);
    expect(decodeMetricsProto(noisy)).toEqual(decodeMetricsProto(plain));
    expect(onlyPoint<NumberDataPoint>(decodeMetricsProto(noisy).batch, 'g')).toMatchObject({ value: 1.5, attributes: { k: 'a' } });
  });

  it('counts a number point with neither as_double nor as_int as rejected, and keeps the others', () => {
    const empty = [...fixed64(3, 5), ...stringAttr(7, 'k', 'x')];
    const { batch, rejected, rejectedMessage } = decodeMetricsProto(metricsRequest(gauge('g', numberPoint(1), empty, numberPoint(2, 'b'))));
    expect(rejected).toBe(1);
    expect(rejectedMessage).toBe('1 data points rejected: a data point of "g" has no value');
    expect(pointsOf(metricsOf(batch).g).map((p) => p.value)).toEqual([1, 2]);
  });

  it('keeps a point flagged as having no recorded value, with NaN as its value', () => {
    const stale = [...fixed64(3, 5), ...uint(8, 1)];
    const { batch, rejected } = decodeMetricsProto(metricsRequest(gauge('g', stale)));
    expect(rejected).toBe(0);
    const p = onlyPoint<NumberDataPoint>(batch, 'g');
    expect(p.flags).toBe(1);
    expect(p.value).toBeNaN();
  });

  it('rejects histogram points whose bucket counts do not match the bounds, and accepts points with no buckets', () => {
    const point = (counts: number[], bounds: number[]) => len(1, [...fixed64(4, 3), ...len(6, counts.flatMap(fixed64Bytes)), ...len(7, bounds.flatMap(doubleBytes))]);
    const body = metricsRequest([...str(1, 'h'), ...len(9, [...point([1, 2], [1]), ...point([1, 2], [1, 2]), ...point([], []), ...point([3], [1, 2]), ...uint(2, 2)])]);
    const { batch, rejected, rejectedMessage } = decodeMetricsProto(body);
    expect(rejected).toBe(2);
    expect(rejectedMessage).toBe('2 data points rejected: a data point of "h" has 2 bucket counts for 2 bounds');
    expect((metricsOf(batch).h!.points as HistogramDataPoint[]).map((p) => p.bucketCounts)).toEqual([[1, 2], []]);
  });

  it('rejects every point of a sum, histogram or exponential histogram whose temporality is unspecified', () => {
    const hist = (field: number, name: string) => [...str(1, name), ...len(field, [...len(1, fixed64(4, 1)), ...len(1, fixed64(4, 2)), ...uint(2, 0)])];
    const { batch, rejected, rejectedMessage } = decodeMetricsProto(metricsRequest(sum('s', 0, numberPoint(1)), hist(9, 'h'), hist(10, 'e'), sum('ok', 2, numberPoint(1))));
    expect(rejected).toBe(5);
    expect(rejectedMessage).toBe('5 data points rejected: metric "s" has no aggregation temporality');
    expect(Object.keys(metricsOf(batch))).toEqual(['ok']);
  });

  it('drops a metric with no data field, or with no points left, counting only the rejected points', () => {
    const { batch, rejected } = decodeMetricsProto(metricsRequest([...str(1, 'nothing'), ...str(3, 'By')], gauge('no.points'), gauge('all.empty', fixed64(3, 1)), gauge('g', numberPoint(1))));
    expect(rejected).toBe(1);
    expect(Object.keys(metricsOf(batch))).toEqual(['g']);
  });

  it('reads summaries: count, sum, quantiles, flags', () => {
    const body = encode(pb.metricsRequest, {
      resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'rpc.latency', summary: { dataPoints: [{ timeUnixNano: 7, count: 4, sum: 10.5, flags: 1, quantileValues: [{ quantile: 0.5, value: 2 }, { quantile: 0.99, value: 6 }], attributes: [{ key: 'rpc', value: { stringValue: 'x' } }] }] } }] }] }],
    });
    const { batch } = decodeMetricsProto(body);
    expect(metricsOf(batch)['rpc.latency']).toEqual({
      name: 'rpc.latency',
      description: '',
      unit: '',
      type: 'summary',
      points: [{ attributes: { rpc: 'x' }, startTimeUnixNano: 0, timeUnixNano: 7, flags: 1, count: 4, sum: 10.5, quantileValues: [{ quantile: 0.5, value: 2 }, { quantile: 0.99, value: 6 }] }],
    });
    expect(batch).toEqual(oracleMetrics(body));
  });

  it('reads every AnyValue kind in attributes: string, bool, int, double, bytes, array, key-value list', () => {
    const attrs = [
      { key: 's', value: { stringValue: 'é ☃ text' } },
      { key: 'b', value: { boolValue: true } },
      { key: 'i', value: { intValue: -42 } },
      { key: 'd', value: { doubleValue: 0.25 } },
      { key: 'y', value: { bytesValue: Uint8Array.from([0, 255]) } },
      { key: 'a', value: { arrayValue: { values: [{ intValue: 1 }, { stringValue: 'two' }, {}] } } },
      { key: 'm', value: { kvlistValue: { values: [{ key: 'inner', value: { arrayValue: { values: [{ boolValue: false }] } } }] } } },
      { key: 'unset', value: {} },
    ];
    const body = encode(pb.metricsRequest, { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'g', gauge: { dataPoints: [{ asDouble: 1, attributes: attrs }] } }] }] }] });
    const p = onlyPoint<NumberDataPoint>(decodeMetricsProto(body).batch, 'g');
    expect(p.attributes).toEqual({ s: 'é ☃ text', b: true, i: -42, d: 0.25, y: Uint8Array.from([0, 255]), a: [1, 'two'], m: { inner: [false] } });
    expect(p.attributes.y).toBeInstanceOf(Uint8Array);
  });

  it('keeps an attribute named "__proto__" as a plain key, leaving the prototype alone', () => {
    const attributes = [{ key: '__proto__', value: { kvlistValue: { values: [{ key: 'service.name', value: { stringValue: 'evil' } }] } } }];
    const body = encode(pb.metricsRequest, { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'g', gauge: { dataPoints: [{ asDouble: 1, attributes }] } }] }] }] });
    const attrs = onlyPoint<NumberDataPoint>(decodeMetricsProto(body).batch, 'g').attributes;
    expect(Object.getPrototypeOf(attrs)).toBe(Object.prototype);
    expect(attrs['service.name']).toBeUndefined();
    expect(Object.keys(attrs)).toEqual(['__proto__']);
  });

  it('shares one attributes object between the points of a request that carry the same attribute set', () => {
    const { batch } = decodeMetricsProto(metricsRequest(gauge('a', numberPoint(1, 'x'), numberPoint(2, 'y')), gauge('b', numberPoint(3, 'x'))));
    const [ax, ay] = pointsOf(metricsOf(batch).a);
    const [bx] = pointsOf(metricsOf(batch).b);
    expect(bx!.attributes).toBe(ax!.attributes);
    expect(ay!.attributes).not.toBe(ax!.attributes);
    expect([ax!.attributes, ay!.attributes]).toEqual([{ k: 'x' }, { k: 'y' }]);
  });

  it('merges attributes that an encoder interleaves with other fields', () => {
    const point = [...stringAttr(7, 'a', '1'), ...fixed64(3, 5), ...double(4, 1), ...stringAttr(7, 'b', '2')];
    const { batch } = decodeMetricsProto(metricsRequest(gauge('g', point), gauge('h', stringAttr(7, 'a', '1').concat(double(4, 2)))));
    expect(onlyPoint<NumberDataPoint>(batch, 'g').attributes).toEqual({ a: '1', b: '2' });
    expect(onlyPoint<NumberDataPoint>(batch, 'h').attributes).toEqual({ a: '1' }); // the shared first run was not modified
  });

  it('decodes every attribute set right in a large request with no repeats (the cache turns itself off)', () => {
    const n = 5000;
    const points = Array.from({ length: n }, (_, i) => numberPoint(i, `value-${i}`));
    const { batch } = decodeMetricsProto(metricsRequest(gauge('g', ...points)));
    const decoded = pointsOf(metricsOf(batch).g);
    expect(decoded).toHaveLength(n);
    expect(decoded.every((p, i) => p.value === i && p.attributes.k === `value-${i}`)).toBe(true);
  });

  it('reads a negative enum encoded as a ten-byte varint without failing', () => {
    const body = metricsRequest([...str(1, 's'), ...len(7, [...len(1, numberPoint(1)), ...tag(2, 0), ...varint(-1)])]);
    const { batch, rejected } = decodeMetricsProto(body);
    expect(rejected).toBe(1); // -1 is not a temporality
    expect(metricsOf(batch)).toEqual({});
  });
});
