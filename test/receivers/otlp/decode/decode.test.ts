import { AggregationTemporality } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import {
  decodeMetricsJson,
  decodeMetricsProto,
  decodeTracesJson,
  decodeTracesProto,
  decodeLogsJson,
  OtlpDecodeError,
} from '../../../../receivers/otlp/decode/index.ts';
import type { HistogramDataPoint, Metric, MetricsBatch } from '../../../../src/model/metrics.ts';
import { sdkMetricsBodies, sdkTraceBodies } from '../../../helpers/sdk-bodies.ts';

const metricsOf = (b: MetricsBatch): Record<string, Metric> => Object.fromEntries(b.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.map((m) => [m.name, m]))));

/** A tiny protobuf writer for hand-made bodies. */
const varint = (n: number) => {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
};
const len = (field: number, bytes: number[]) => [...varint(field * 8 + 2), ...varint(bytes.length), ...bytes];
const str = (field: number, s: string) => len(field, [...Buffer.from(s)]);
const fixed64 = (field: number, n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return [...varint(field * 8 + 1), ...b];
};
const double = (field: number, n: number) => {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(n);
  return [...varint(field * 8 + 1), ...b];
};
const request = (metric: number[]) => Uint8Array.from(len(1, len(2, len(2, metric))));

describe('OTLP metrics decoder', () => {
  it('decodes what the SDK sends over protobuf: names, units, values, attributes, temporality, buckets', async () => {
    const { proto } = await sdkMetricsBodies();
    const { batch, rejected } = decodeMetricsProto(proto);
    expect(rejected).toBe(0);
    expect(batch.resourceMetrics[0]!.resource.attributes).toEqual({ 'service.name': 'prompter-api', 'deployment.environment.name': 'test' });
    expect(batch.resourceMetrics[0]!.scopeMetrics[0]!.scope).toMatchObject({ name: 'prompter', version: '7.0.0' });
    const m = metricsOf(batch);
    expect(m.requests).toMatchObject({ type: 'sum', monotonic: true, temporality: 'cumulative', unit: '{request}', description: 'Requests.' });
    expect(m.requests!.points[0]).toMatchObject({ value: 5, attributes: { route: '/a', code: 200, ok: true, ratio: 0.5 } });
    expect(m.requests!.points[0]!.timeUnixNano).toBeGreaterThan(1.7e18);
    expect(m.inflight).toMatchObject({ type: 'sum', monotonic: false });
    expect(m.inflight!.points[0]!).toMatchObject({ value: -3 });
    expect(m.temperature).toMatchObject({ type: 'gauge', unit: 'Cel' });
    expect(m.temperature!.points[0]).toMatchObject({ value: 21.5, attributes: { room: 'b' } });
    expect(m.latency!.points[0]).toMatchObject({ count: 1, sum: 0.3, min: 0.3, max: 0.3, bucketCounts: [0, 1, 0], explicitBounds: [0.1, 1] });
    expect(m['latency.exp']).toMatchObject({ type: 'exponential_histogram' });
    expect(m['latency.exp']!.points[0]).toMatchObject({ count: 1, sum: 3, positive: { bucketCounts: [1] } });
  });

  it('decodes the JSON the SDK sends to exactly the same model as the protobuf, with delta temporality', async () => {
    const { proto, json } = await sdkMetricsBodies(AggregationTemporality.DELTA);
    const fromJson = decodeMetricsJson(json);
    const fromProto = decodeMetricsProto(proto);
    expect(fromJson).toEqual(fromProto);
    expect(metricsOf(fromJson.batch).requests).toMatchObject({ temporality: 'delta' });
  });

  it('accepts unpacked repeated fields as well as packed ones', () => {
    const attrs = len(9, [...str(1, 'k'), ...len(2, str(1, 'v'))]);
    const unpacked = [...fixed64(4, 3), ...fixed64(6, 1), ...fixed64(6, 2), ...double(7, 0.5), ...attrs, ...fixed64(3, 1e9)];
    const histogram = [...len(1, unpacked), ...varint(2 * 8), ...varint(2)];
    const { batch } = decodeMetricsProto(request([...str(1, 'h'), ...len(9, histogram)]));
    const p = metricsOf(batch).h!.points[0] as HistogramDataPoint;
    expect(p).toMatchObject({ count: 3, bucketCounts: [1, 2], explicitBounds: [0.5], attributes: { k: 'v' }, timeUnixNano: 1e9 });
  });

  it('rejects a data point with no value as a partial success, keeping the rest', () => {
    const good = len(1, [...fixed64(3, 5), ...double(4, 1.5)]);
    const empty = len(1, fixed64(3, 5));
    const { batch, rejected, rejectedMessage } = decodeMetricsProto(request([...str(1, 'g'), ...len(5, [...good, ...empty])]));
    expect(rejected).toBe(1);
    expect(rejectedMessage).toBe('1 data points rejected: a data point of "g" has no value');
    expect(metricsOf(batch).g!.points).toHaveLength(1);
  });

  it('fails with OtlpDecodeError, never another error, on a body cut at any byte', async () => {
    const { proto } = await sdkMetricsBodies();
    let failures = 0;
    for (let cut = 1; cut < proto.length; cut++) {
      try {
        decodeMetricsProto(proto.subarray(0, cut));
      } catch (error) {
        expect(error).toBeInstanceOf(OtlpDecodeError);
        failures++;
      }
    }
    expect(failures).toBeGreaterThan(proto.length * 0.9);
  });

  it('answers random bytes with a result or an OtlpDecodeError, never a crash or a hang', () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let i = 0; i < 300; i++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(rand() * 200) }, () => Math.floor(rand() * 256));
      try {
        decodeMetricsProto(bytes);
      } catch (error) {
        expect(error).toBeInstanceOf(OtlpDecodeError);
      }
    }
  });

  it('names the wire type mismatch of a known field', () => {
    expect(() => decodeMetricsProto(Uint8Array.from([...varint(1 * 8), 1]))).toThrow('field 1 of ExportMetricsServiceRequest has wire type 0, expected 2');
  });

  it('reads int64 fields given as JSON numbers or decimal strings, and enums as numbers or names', () => {
    const json = (count: unknown, temporality: unknown) =>
      JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'c', sum: { aggregationTemporality: temporality, isMonotonic: true, dataPoints: [{ asInt: count, timeUnixNano: '1700000000000000000' }] } }] }] }] });
    for (const [count, temporality] of [['7', 2], [7, 'AGGREGATION_TEMPORALITY_CUMULATIVE']] as const) {
      const m = metricsOf(decodeMetricsJson(json(count, temporality)).batch).c!;
      expect(m).toMatchObject({ temporality: 'cumulative' });
      expect(m.points[0]).toMatchObject({ value: 7, timeUnixNano: 1.7e18 });
    }
  });

  it('names the JSON path of a field with the wrong type', () => {
    expect(() => decodeMetricsJson('{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":5}]}]}]}')).toThrow('$.resourceMetrics[0].scopeMetrics[0].metrics[0].name: expected a string');
    expect(() => decodeMetricsJson('{"resourceMetrics": 5}')).toThrow('$.resourceMetrics: expected an array');
    expect(() => decodeMetricsJson('{"resourceMetrics": [')).toThrow(/^invalid JSON/);
  });
});

describe('OTLP traces decoder', () => {
  it('decodes SDK spans over protobuf and JSON alike: hex IDs, kinds, status, events, parent links', async () => {
    const { proto, json, spanIds } = await sdkTraceBodies();
    const fromProto = decodeTracesProto(proto);
    expect(decodeTracesJson(json)).toEqual(fromProto);
    const spans = fromProto.batch.resourceSpans[0]!.scopeSpans[0]!.spans;
    expect(spans.map((s) => s.spanId)).toEqual(spanIds);
    const server = spans.find((s) => s.kind === 2)!;
    expect(server).toMatchObject({ name: 'GET /v1/prompts/:id', parentSpanId: '', status: { code: 2, message: 'boom' }, attributes: { 'http.route': '/v1/prompts/:id', 'http.response.status_code': 500 } });
    expect(server.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(server.events[0]).toMatchObject({ name: 'exception', attributes: { 'exception.message': 'boom' } });
    expect(server.endTimeUnixNano).toBeGreaterThanOrEqual(server.startTimeUnixNano);
  });

  it('rejects a span with an invalid ID as a partial success', () => {
    const json = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'abcd', spanId: '0011223344556677', name: 'x' }] }] }] });
    expect(decodeTracesJson(json)).toMatchObject({ rejected: 1 });
  });
});

describe('OTLP logs decoder', () => {
  it('reads bodies, severities and hex IDs from JSON', () => {
    const json = JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: '5', severityNumber: 9, severityText: 'INFO', body: { stringValue: 'hello' }, traceId: 'AB'.repeat(16), attributes: [{ key: 'n', value: { intValue: '3' } }] }] }] }] });
    const record = decodeLogsJson(json).batch.resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!;
    expect(record).toMatchObject({ timeUnixNano: 5, severityNumber: 9, severityText: 'INFO', body: 'hello', traceId: 'ab'.repeat(16), attributes: { n: 3 } });
  });
});
