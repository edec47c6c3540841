import { describe, expect, it } from 'vitest';
import { OtlpDecodeError, decodeLogsJson, decodeLogsProto, decodeMetricsJson, decodeMetricsProto, decodeTracesJson, decodeTracesProto } from '../../../src/otlp/decode/index.ts';
import type { HistogramDataPoint, Metric, MetricsBatch, NumberDataPoint } from '../../../src/model/metrics.ts';
import { AggregationTemporality, exporterSerializers, metricsBodies, sdkLogs, sdkMetrics, sdkTraces } from './sdk-fixtures.ts';

const metricsOf = (b: MetricsBatch): Record<string, Metric> =>
  Object.fromEntries(b.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.map((m) => [m.name, m]))));
const metricsDoc = (...metrics: object[]) => JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics }] }] });
const onePoint = (text: string): NumberDataPoint => {
  const points = Object.values(metricsOf(decodeMetricsJson(text).batch))[0]!.points;
  expect(points).toHaveLength(1);
  return points[0] as NumberDataPoint;
};

describe('OTLP/JSON decoder', () => {
  it('decodes the JSON the SDK sends to exactly the model of its protobuf, cumulative and delta', async () => {
    for (const temporality of [AggregationTemporality.CUMULATIVE, AggregationTemporality.DELTA]) {
      for (const rm of await sdkMetrics(temporality)) {
        const { proto, json } = metricsBodies(rm);
        const fromJson = decodeMetricsJson(json);
        expect(fromJson).toEqual(decodeMetricsProto(proto));
        expect(Object.keys(metricsOf(fromJson.batch)).length).toBeGreaterThanOrEqual(4); // a delta collection leaves out series that saw nothing new
      }
    }
  });

  it('decodes the JSON of the serializer the installed 0.223 exporters use', async () => {
    const [, second] = await sdkMetrics(AggregationTemporality.DELTA);
    const { metricsJson, metricsProto } = exporterSerializers();
    const json = new TextDecoder().decode(metricsJson.serializeRequest(second)!);
    expect(decodeMetricsJson(json)).toEqual(decodeMetricsProto(metricsProto.serializeRequest(second)!));
    expect(metricsOf(decodeMetricsJson(json).batch)['http.server.requests']).toMatchObject({ temporality: 'delta' });
  });

  it('decodes SDK spans and log records from JSON to the model of their protobuf: hex IDs, kinds, bytes bodies', async () => {
    const traces = await sdkTraces();
    expect(decodeTracesJson(traces.json)).toEqual(decodeTracesProto(traces.proto));
    expect(decodeTracesJson(traces.json).batch.resourceSpans[0]!.scopeSpans[0]!.spans.map((s) => s.spanId)).toContain(traces.server.spanId);
    const logs = await sdkLogs();
    expect(decodeLogsJson(logs.json)).toEqual(decodeLogsProto(logs.proto));
    expect(decodeLogsJson(logs.json).batch.resourceLogs[0]!.scopeLogs[0]!.logRecords[1]!.body).toEqual(Uint8Array.from([1, 2, 250]));
  });

  it('reads int64 values given as decimal strings or as JSON numbers', () => {
    for (const [time, value] of [['1700000000123456789', '-7'], [1700000000123456789, -7]] as const) {
      const p = onePoint(metricsDoc({ name: 'g', gauge: { dataPoints: [{ timeUnixNano: time, asInt: value, attributes: [{ key: 'n', value: { intValue: value } }] }] } }));
      expect(p).toMatchObject({ timeUnixNano: 1700000000123456789, value: -7, attributes: { n: -7 } });
    }
  });

  it('reads enums as numbers or as their names', () => {
    const sum = (t: unknown) => metricsDoc({ name: 's', sum: { aggregationTemporality: t, isMonotonic: true, dataPoints: [{ asDouble: 1 }] } });
    expect(metricsOf(decodeMetricsJson(sum(1)).batch).s).toMatchObject({ temporality: 'delta' });
    expect(metricsOf(decodeMetricsJson(sum('AGGREGATION_TEMPORALITY_CUMULATIVE')).batch).s).toMatchObject({ temporality: 'cumulative' });
    const span = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', kind: 'SPAN_KIND_SERVER', status: { code: 'STATUS_CODE_ERROR' } };
    expect(decodeTracesJson(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] })).batch.resourceSpans[0]!.scopeSpans[0]!.spans[0]).toMatchObject({ kind: 2, status: { code: 2 } });
    const log = { severityNumber: 'SEVERITY_NUMBER_ERROR2' };
    expect(decodeLogsJson(JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [log] }] }] })).batch.resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!.severityNumber).toBe(18);
  });

  it('reads trace and span IDs as hex (not base64) and returns them in lower case', () => {
    const span = { traceId: '0AF7651916CD43DD8448EB211C80319C', spanId: 'B7AD6B7169203331', parentSpanId: '', name: 'x', links: [{ traceId: 'AB'.repeat(16), spanId: 'CD'.repeat(8) }] };
    const s = decodeTracesJson(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] })).batch.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    expect(s).toMatchObject({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', parentSpanId: '' });
    expect(s.links[0]).toMatchObject({ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8) });
  });

  it('reads doubles given as "NaN", "Infinity" and "-Infinity", and bytes as base64', () => {
    const doc = metricsDoc({
      name: 'h',
      histogram: { aggregationTemporality: 2, dataPoints: [{ count: '2', sum: 'NaN', min: '-Infinity', max: 'Infinity', bucketCounts: ['1', 1], explicitBounds: [0.5], attributes: [{ key: 'b', value: { bytesValue: 'AQL6' } }] }] },
    });
    const p = metricsOf(decodeMetricsJson(doc).batch).h!.points[0] as HistogramDataPoint;
    expect(p).toMatchObject({ count: 2, min: -Infinity, max: Infinity, bucketCounts: [1, 1], explicitBounds: [0.5], attributes: { b: Uint8Array.from([1, 2, 250]) } });
    expect(p.sum).toBeNaN();
  });

  it('accepts the proto field names (snake_case) as well as lowerCamelCase', () => {
    const doc = JSON.stringify({ resource_metrics: [{ scope_metrics: [{ metrics: [{ name: 'g', gauge: { data_points: [{ time_unix_nano: '5', as_double: 2, attributes: [{ key: 'k', value: { string_value: 'v' } }] }] } }] }] }] });
    expect(onePoint(doc)).toMatchObject({ timeUnixNano: 5, value: 2, attributes: { k: 'v' } });
  });

  it('reads nested arrays and key-value lists in attribute values, dropping keys without a value', () => {
    const attributes = [
      { key: 'a', value: { arrayValue: { values: [{ intValue: '1' }, { boolValue: false }, {}] } } },
      { key: 'm', value: { kvlistValue: { values: [{ key: 'x', value: { doubleValue: 1.5 } }] } } },
      { key: 'none' },
      { key: 'empty', value: {} },
    ];
    const decoded = onePoint(metricsDoc({ name: 'g', gauge: { dataPoints: [{ asDouble: 0, attributes }] } })).attributes;
    expect(decoded).toEqual({ a: [1, false], m: { x: 1.5 } });
    expect(Object.keys(decoded)).toEqual(['a', 'm']);
  });

  it('keeps an attribute named "__proto__" as a plain key, leaving the prototype alone', () => {
    const doc = '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"g","gauge":{"dataPoints":[{"asDouble":1,"attributes":[{"key":"__proto__","value":{"kvlistValue":{"values":[{"key":"service.name","value":{"stringValue":"evil"}}]}}}]}]}}]}]}]}';
    const attrs = onePoint(doc).attributes;
    expect(Object.getPrototypeOf(attrs)).toBe(Object.prototype);
    expect(attrs['service.name']).toBeUndefined();
    expect(Object.keys(attrs)).toEqual(['__proto__']);
  });

  it('applies the protobuf decoder’s rejections: points without a value, unspecified temporality, mismatched buckets', () => {
    const doc = metricsDoc(
      { name: 'g', gauge: { dataPoints: [{ asDouble: 1 }, { timeUnixNano: '5' }, { flags: 1 }] } },
      { name: 's', sum: { dataPoints: [{ asDouble: 1 }, { asDouble: 2 }] } },
      { name: 'h', histogram: { aggregationTemporality: 1, dataPoints: [{ count: 1, bucketCounts: [1], explicitBounds: [1] }] } },
      { name: 'nothing' },
    );
    const { batch, rejected, rejectedMessage } = decodeMetricsJson(doc);
    expect(rejected).toBe(4);
    expect(rejectedMessage).toBe('4 data points rejected: a data point of "g" has no value');
    expect(Object.keys(metricsOf(batch))).toEqual(['g']);
    expect(metricsOf(batch).g!.points).toHaveLength(2);
  });

  describe('on malformed JSON', () => {
    const cases: [string, string, string][] = [
      ['an array where an array of objects goes', '{"resourceMetrics": 5}', '$.resourceMetrics: expected an array'],
      ['a number as a name', metricsDoc({ name: 'a', gauge: {} }, { name: 'b' }, { name: 5 }), '$.resourceMetrics[0].scopeMetrics[0].metrics[2].name: expected a string'],
      ['a string in place of an object', '{"resourceMetrics": ["x"]}', '$.resourceMetrics[0]: expected an object'],
      ['an array as the resource', '{"resourceMetrics": [{"resource": []}]}', '$.resourceMetrics[0].resource: expected an object'],
      ['a non-integer time', metricsDoc({ name: 'g', gauge: { dataPoints: [{ timeUnixNano: '12a', asDouble: 1 }] } }), '$.resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].timeUnixNano: expected an integer (a JSON number or a decimal string)'],
      ['a fraction as asInt', metricsDoc({ name: 'g', gauge: { dataPoints: [{ asInt: 1.5 }] } }), 'gauge.dataPoints[0].asInt: expected an integer'],
      ['a string as isMonotonic', metricsDoc({ name: 's', sum: { isMonotonic: 'yes' } }), 'metrics[0].sum.isMonotonic: expected a boolean'],
      ['an unknown enum name', metricsDoc({ name: 's', sum: { aggregationTemporality: 'CUMULATIVE' } }), 'sum.aggregationTemporality: expected a number or one of AGGREGATION_TEMPORALITY_UNSPECIFIED, AGGREGATION_TEMPORALITY_DELTA, AGGREGATION_TEMPORALITY_CUMULATIVE'],
      ['a bad attribute value', metricsDoc({ name: 'g', gauge: { dataPoints: [{ asDouble: 1, attributes: [{ key: 'a', value: { stringValue: 'x' } }, { key: 'b', value: { intValue: 'x' } }] }] } }), 'gauge.dataPoints[0].attributes[1].value.intValue: expected an integer'],
      ['a non-numeric bucket count', metricsDoc({ name: 'h', histogram: { dataPoints: [{ bucketCounts: ['1', 'x'] }] } }), 'histogram.dataPoints[0].bucketCounts[1]: expected an integer'],
      ['a non-hex trace ID', JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'xyz' }] }] }] }), '$.resourceSpans[0].scopeSpans[0].spans[0].traceId: expected a hex string'],
      ['base64 where bytes go', JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { bytesValue: '!!' } }] }] }] }), '$.resourceLogs[0].scopeLogs[0].logRecords[0].body.bytesValue: expected a base64 string'],
      ['an array at the top', '[]', '$: expected an object'],
    ];
    it.each(cases)('names the JSON path of %s', (_, text, message) => {
      const decode = text.includes('resourceSpans') ? decodeTracesJson : text.includes('resourceLogs') ? decodeLogsJson : decodeMetricsJson;
      let caught: unknown;
      try {
        decode(text);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(OtlpDecodeError);
      expect((caught as Error).message).toContain(message);
    });

    it('says the body is not JSON, with the parser’s reason', () => {
      for (const decode of [decodeMetricsJson, decodeTracesJson, decodeLogsJson]) expect(() => decode('{"resourceMetrics": [')).toThrow(/^invalid JSON: /);
    });

    it('refuses attribute values nested 20,000 deep with an OtlpDecodeError, not a stack overflow', () => {
      const deep = '{"arrayValue":{"values":['.repeat(20_000) + '{"stringValue":"x"}' + ']}}'.repeat(20_000);
      const text = `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":${deep}}]}]}]}`;
      expect(() => decodeLogsJson(text)).toThrow(OtlpDecodeError);
      expect(() => decodeLogsJson(text)).toThrow(/nested more than 64 levels deep/);
    });
  });
});
