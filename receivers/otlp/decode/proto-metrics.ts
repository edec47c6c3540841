import type { Attributes } from '../../../src/model/common.ts';
import type {
  ExponentialBuckets,
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  Metric,
  MetricsBatch,
  NumberDataPoint,
  ResourceMetrics,
  ScopeMetrics,
  SummaryDataPoint,
  Temporality,
} from '../../../src/model/metrics.ts';
import { EMPTY_RESOURCE, EMPTY_SCOPE, readKeyValue, readResource, readScope } from './proto-common.ts';
import { validPoints } from './metric-validation.ts';
import { Rejections, type DecodeResult } from './result.ts';
import { I64, LEN, VARINT, WireReader } from './wire.ts';

/** Decodes an ExportMetricsServiceRequest (opentelemetry.proto.collector.metrics.v1). */
export function decodeMetricsProto(body: Uint8Array): DecodeResult<MetricsBatch> {
  const r = new WireReader(Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  const rejections = new Rejections('data points');
  const resourceMetrics: ResourceMetrics[] = [];
  while (r.pos < r.buf.length) {
    const tag = r.tag();
    if (tag >>> 3 === 1) {
      r.expect(tag & 7, LEN, 1, 'ExportMetricsServiceRequest');
      resourceMetrics.push(readResourceMetrics(r, r.lengthEnd('ResourceMetrics'), rejections));
    } else r.skip(tag & 7, tag >>> 3);
  }
  return rejections.result({ resourceMetrics });
}

function readResourceMetrics(r: WireReader, end: number, rej: Rejections): ResourceMetrics {
  const rm: ResourceMetrics = { resource: EMPTY_RESOURCE(), scopeMetrics: [], schemaUrl: '' };
  while (r.pos < end) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1) {
      r.expect(wt, LEN, field, 'ResourceMetrics');
      rm.resource = readResource(r, r.lengthEnd('Resource'));
    } else if (field === 2) {
      r.expect(wt, LEN, field, 'ResourceMetrics');
      rm.scopeMetrics.push(readScopeMetrics(r, r.lengthEnd('ScopeMetrics'), rej));
    } else if (field === 3) {
      r.expect(wt, LEN, field, 'ResourceMetrics');
      rm.schemaUrl = r.string();
    } else r.skip(wt, field);
  }
  r.checkEnd(end, 'ResourceMetrics');
  return rm;
}

function readScopeMetrics(r: WireReader, end: number, rej: Rejections): ScopeMetrics {
  const sm: ScopeMetrics = { scope: EMPTY_SCOPE(), metrics: [], schemaUrl: '' };
  while (r.pos < end) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1) {
      r.expect(wt, LEN, field, 'ScopeMetrics');
      sm.scope = readScope(r, r.lengthEnd('InstrumentationScope'));
    } else if (field === 2) {
      r.expect(wt, LEN, field, 'ScopeMetrics');
      const m = readMetric(r, r.lengthEnd('Metric'), rej);
      if (m) sm.metrics.push(m);
    } else if (field === 3) {
      r.expect(wt, LEN, field, 'ScopeMetrics');
      sm.schemaUrl = r.string();
    } else r.skip(wt, field);
  }
  r.checkEnd(end, 'ScopeMetrics');
  return sm;
}

/** A metric's data field, before its name is known; `missing` counts points that carried no value. */
type MetricData = Omit<Metric, 'name' | 'description' | 'unit'> & { missing: number };

function readMetric(r: WireReader, end: number, rej: Rejections): Metric | undefined {
  let name = '';
  let description = '';
  let unit = '';
  let data: MetricData | undefined;
  while (r.pos < end) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wt = tag & 7;
    switch (field) {
      case 1:
        r.expect(wt, LEN, field, 'Metric');
        name = r.string();
        break;
      case 2:
        r.expect(wt, LEN, field, 'Metric');
        description = r.string();
        break;
      case 3:
        r.expect(wt, LEN, field, 'Metric');
        unit = r.string();
        break;
      case 5:
        r.expect(wt, LEN, field, 'Metric');
        data = { type: 'gauge', ...readPoints(r, r.lengthEnd('Gauge'), 'Gauge', readNumberPoint) };
        break;
      case 7:
        r.expect(wt, LEN, field, 'Metric');
        data = readAggregated(r, r.lengthEnd('Sum'), 'Sum', readNumberPoint, 'sum');
        break;
      case 9:
        r.expect(wt, LEN, field, 'Metric');
        data = readAggregated(r, r.lengthEnd('Histogram'), 'Histogram', readHistogramPoint, 'histogram');
        break;
      case 10:
        r.expect(wt, LEN, field, 'Metric');
        data = readAggregated(r, r.lengthEnd('ExponentialHistogram'), 'ExponentialHistogram', readExpHistogramPoint, 'exponential_histogram');
        break;
      case 11:
        r.expect(wt, LEN, field, 'Metric');
        data = { type: 'summary', ...readPoints(r, r.lengthEnd('Summary'), 'Summary', readSummaryPoint) };
        break;
      default:
        r.skip(wt, field);
    }
  }
  r.checkEnd(end, 'Metric');
  if (!data) return undefined;
  const { missing, ...rest } = data;
  rej.reject(missing, `a data point of "${name}" has no value`);
  return validPoints({ name, description, unit, ...rest } as Metric, rej);
}

/** Field 1 of Gauge, Sum, Histogram, …: the data points; a reader returns undefined for an unusable one. */
function readPoints<P>(r: WireReader, end: number, message: string, readPoint: (r: WireReader, end: number) => P | undefined): { points: P[]; missing: number } {
  const points: P[] = [];
  let missing = 0;
  while (r.pos < end) {
    const tag = r.tag();
    if (tag >>> 3 === 1) {
      r.expect(tag & 7, LEN, 1, message);
      const p = readPoint(r, r.lengthEnd('a data point'));
      if (p) points.push(p);
      else missing++;
    } else r.skip(tag & 7, tag >>> 3);
  }
  r.checkEnd(end, message);
  return { points, missing };
}

function readAggregated<P>(
  r: WireReader,
  end: number,
  message: string,
  readPoint: (r: WireReader, end: number) => P | undefined,
  type: 'sum' | 'histogram' | 'exponential_histogram',
): MetricData {
  const points: P[] = [];
  let missing = 0;
  let temporality: Temporality | undefined;
  let monotonic = false;
  while (r.pos < end) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1) {
      r.expect(wt, LEN, field, message);
      const p = readPoint(r, r.lengthEnd('a data point'));
      if (p) points.push(p);
      else missing++;
    } else if (field === 2) {
      r.expect(wt, VARINT, field, message);
      const t = r.varint32();
      temporality = t === 1 ? 'delta' : t === 2 ? 'cumulative' : undefined;
    } else if (field === 3 && type === 'sum') {
      r.expect(wt, VARINT, field, message);
      monotonic = r.bool();
    } else r.skip(wt, field);
  }
  r.checkEnd(end, message);
  const data = type === 'sum' ? { type, temporality, monotonic, points, missing } : { type, temporality, points, missing };
  return data as unknown as MetricData;
}

/** A number point with neither as_double nor as_int (and not flagged as no-value) is unusable. */
function readNumberPoint(r: WireReader, end: number): NumberDataPoint | undefined {
  const attributes: Attributes = {};
  const p: NumberDataPoint = { attributes, startTimeUnixNano: 0, timeUnixNano: 0, flags: 0, value: NaN };
  let hasValue = false;
  while (r.pos < end) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wt = tag & 7;
    switch (field) {
      case 7:
        r.expect(wt, LEN, field, 'NumberDataPoint');
        readKeyValue(r, r.lengthEnd('KeyValue'), attributes);
        break;
      case 2:
        r.expect(wt, I64, field, 'NumberDataPoint');
        p.startTimeUnixNano = r.fixed64();
        break;
      case 3:
        r.expect(wt, I64, field, 'NumberDataPoint');
        p.timeUnixNano = r.fixed64();
        break;
      case 4:
        r.expect(wt, I64, field, 'NumberDataPoint');
        p.value = r.double();
        hasValue = true;
        break;
      case 6:
        r.expect(wt, I64, field, 'NumberDataPoint');
        p.value = r.sfixed64();
        hasValue = true;
        break;
      case 8:
        r.expect(wt, VARINT, field, 'NumberDataPoint');
        p.flags = r.varint32();
        break;
      default:
        r.skip(wt, field);
    }
  }
  r.checkEnd(end, 'NumberDataPoint');
  return hasValue || (p.flags & 1) !== 0 ? p : undefined;
}

function readHistogramPoint(r: WireReader, end: number): HistogramDataPoint {
  const attributes: Attributes = {};
  const p: HistogramDataPoint = { attributes, startTimeUnixNano: 0, timeUnixNano: 0, flags: 0, count: 0, bucketCounts: [], explicitBounds: [] };
  while (r.pos < end) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wt = tag & 7;
    switch (field) {
      case 9:
        r.expect(wt, LEN, field, 'HistogramDataPoint');
        readKeyValue(r, r.lengthEnd('KeyValue'), attributes);
        break;
      case 2:
        r.expect(wt, I64, field, 'HistogramDataPoint');
        p.startTimeUnixNano = r.fixed64();
        break;
      case 3:
        r.expect(wt, I64, field, 'HistogramDataPoint');
        p.timeUnixNano = r.fixed64();
        break;
      case 4:
        r.expect(wt, I64, field, 'HistogramDataPoint');
        p.count = r.fixed64();
        break;
      case 5:
        r.expect(wt, I64, field, 'HistogramDataPoint');
        p.sum = r.double();
        break;
      case 6:
        readRepeated(r, wt, I64, field, 'HistogramDataPoint', p.bucketCounts, () => r.fixed64());
        break;
      case 7:
        readRepeated(r, wt, I64, field, 'HistogramDataPoint', p.explicitBounds, () => r.double());
        break;
      case 10:
        r.expect(wt, VARINT, field, 'HistogramDataPoint');
        p.flags = r.varint32();
        break;
      case 11:
        r.expect(wt, I64, field, 'HistogramDataPoint');
        p.min = r.double();
        break;
      case 12:
        r.expect(wt, I64, field, 'HistogramDataPoint');
        p.max = r.double();
        break;
      default:
        r.skip(wt, field);
    }
  }
  r.checkEnd(end, 'HistogramDataPoint');
  return p;
}

function readExpHistogramPoint(r: WireReader, end: number): ExponentialHistogramDataPoint {
  const attributes: Attributes = {};
  const p: ExponentialHistogramDataPoint = {
    attributes,
    startTimeUnixNano: 0,
    timeUnixNano: 0,
    flags: 0,
    count: 0,
    scale: 0,
    zeroCount: 0,
    zeroThreshold: 0,
    positive: { offset: 0, bucketCounts: [] },
    negative: { offset: 0, bucketCounts: [] },
  };
  const M = 'ExponentialHistogramDataPoint';
  while (r.pos < end) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wt = tag & 7;
    switch (field) {
      case 1:
        r.expect(wt, LEN, field, M);
        readKeyValue(r, r.lengthEnd('KeyValue'), attributes);
        break;
      case 2:
        r.expect(wt, I64, field, M);
        p.startTimeUnixNano = r.fixed64();
        break;
      case 3:
        r.expect(wt, I64, field, M);
        p.timeUnixNano = r.fixed64();
        break;
      case 4:
        r.expect(wt, I64, field, M);
        p.count = r.fixed64();
        break;
      case 5:
        r.expect(wt, I64, field, M);
        p.sum = r.double();
        break;
      case 6:
        r.expect(wt, VARINT, field, M);
        p.scale = r.sint32();
        break;
      case 7:
        r.expect(wt, I64, field, M);
        p.zeroCount = r.fixed64();
        break;
      case 8:
        r.expect(wt, LEN, field, M);
        p.positive = readBuckets(r, r.lengthEnd('Buckets'));
        break;
      case 9:
        r.expect(wt, LEN, field, M);
        p.negative = readBuckets(r, r.lengthEnd('Buckets'));
        break;
      case 10:
        r.expect(wt, VARINT, field, M);
        p.flags = r.varint32();
        break;
      case 12:
        r.expect(wt, I64, field, M);
        p.min = r.double();
        break;
      case 13:
        r.expect(wt, I64, field, M);
        p.max = r.double();
        break;
      case 14:
        r.expect(wt, I64, field, M);
        p.zeroThreshold = r.double();
        break;
      default:
        r.skip(wt, field);
    }
  }
  r.checkEnd(end, M);
  return p;
}

function readBuckets(r: WireReader, end: number): ExponentialBuckets {
  const b: ExponentialBuckets = { offset: 0, bucketCounts: [] };
  while (r.pos < end) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1) {
      r.expect(wt, VARINT, field, 'Buckets');
      b.offset = r.sint32();
    } else if (field === 2) {
      readRepeated(r, wt, VARINT, field, 'Buckets', b.bucketCounts, () => r.varint64());
    } else r.skip(wt, field);
  }
  r.checkEnd(end, 'Buckets');
  return b;
}

function readSummaryPoint(r: WireReader, end: number): SummaryDataPoint {
  const attributes: Attributes = {};
  const p: SummaryDataPoint = { attributes, startTimeUnixNano: 0, timeUnixNano: 0, flags: 0, count: 0, sum: 0, quantileValues: [] };
  while (r.pos < end) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wt = tag & 7;
    switch (field) {
      case 7:
        r.expect(wt, LEN, field, 'SummaryDataPoint');
        readKeyValue(r, r.lengthEnd('KeyValue'), attributes);
        break;
      case 2:
        r.expect(wt, I64, field, 'SummaryDataPoint');
        p.startTimeUnixNano = r.fixed64();
        break;
      case 3:
        r.expect(wt, I64, field, 'SummaryDataPoint');
        p.timeUnixNano = r.fixed64();
        break;
      case 4:
        r.expect(wt, I64, field, 'SummaryDataPoint');
        p.count = r.fixed64();
        break;
      case 5:
        r.expect(wt, I64, field, 'SummaryDataPoint');
        p.sum = r.double();
        break;
      case 6: {
        r.expect(wt, LEN, field, 'SummaryDataPoint');
        const e = r.lengthEnd('ValueAtQuantile');
        const q = { quantile: 0, value: 0 };
        while (r.pos < e) {
          const t = r.tag();
          if (t >>> 3 === 1 && (t & 7) === I64) q.quantile = r.double();
          else if (t >>> 3 === 2 && (t & 7) === I64) q.value = r.double();
          else r.skip(t & 7, t >>> 3);
        }
        r.checkEnd(e, 'ValueAtQuantile');
        p.quantileValues.push(q);
        break;
      }
      case 8:
        r.expect(wt, VARINT, field, 'SummaryDataPoint');
        p.flags = r.varint32();
        break;
      default:
        r.skip(wt, field);
    }
  }
  r.checkEnd(end, 'SummaryDataPoint');
  return p;
}

/** A repeated scalar, packed (one LEN field) or not (one field per element): both are valid protobuf. */
function readRepeated(r: WireReader, wt: number, elementType: number, field: number, message: string, into: number[], read: () => number): void {
  if (wt === LEN) {
    const end = r.lengthEnd(`packed field ${field} of ${message}`);
    while (r.pos < end) into.push(read());
    r.checkEnd(end, `packed field ${field} of ${message}`);
  } else {
    r.expect(wt, elementType, field, message);
    into.push(read());
  }
}

