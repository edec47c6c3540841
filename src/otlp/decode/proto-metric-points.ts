import type { Attributes } from '../../model/common.ts';
import {
  FLAG_NO_RECORDED_VALUE,
  type ExponentialBuckets,
  type ExponentialHistogramDataPoint,
  type HistogramDataPoint,
  type NumberDataPoint,
  type SummaryDataPoint,
} from '../../model/metrics.ts';
import type { AttributeSets } from './attribute-sets.ts';
import { readAttributeRun } from './proto-common.ts';
import { I64, LEN, VARINT, schema, type MessageSchema, type WireReader } from './wire.ts';

/** opentelemetry.proto.metrics.v1 data points (field numbers from the official protos; 6 and 7 may be packed or not). */
const NUMBER_POINT = schema('NumberDataPoint', { 2: I64, 3: I64, 4: I64, 5: LEN, 6: I64, 7: LEN, 8: VARINT });
const HISTOGRAM_POINT = schema('HistogramDataPoint', { 2: I64, 3: I64, 4: I64, 5: I64, 6: [LEN, I64], 7: [LEN, I64], 8: LEN, 9: LEN, 10: VARINT, 11: I64, 12: I64 });
const EXP_POINT = schema('ExponentialHistogramDataPoint', { 1: LEN, 2: I64, 3: I64, 4: I64, 5: I64, 6: VARINT, 7: I64, 8: LEN, 9: LEN, 10: VARINT, 11: LEN, 12: I64, 13: I64, 14: I64 });
const BUCKETS = schema('ExponentialHistogramDataPoint.Buckets', { 1: VARINT, 2: [LEN, VARINT] });
const SUMMARY_POINT = schema('SummaryDataPoint', { 2: I64, 3: I64, 4: I64, 5: I64, 6: LEN, 7: LEN, 8: VARINT });
const QUANTILE = schema('SummaryDataPoint.ValueAtQuantile', { 1: I64, 2: I64 });

/** Reads one data point; undefined means it carried nothing usable (counted as rejected by the caller). */
export type PointReader<P> = (r: WireReader, end: number, sets: AttributeSets) => P | undefined;

/**
 * A point's attributes: usually one run of fields, shared through `sets`. Should an encoder interleave
 * them with other fields, the later runs are merged into a copy (the first run's object may be shared).
 */
function attributesOf(r: WireReader, tag: number, field: number, message: MessageSchema, end: number, sets: AttributeSets, before: Attributes | undefined): Attributes {
  const run = readAttributeRun(r, tag, field, message, end, sets);
  return before === undefined ? run : { ...before, ...run };
}

/** A number point needs as_double or as_int, unless it is flagged as having no recorded value. */
export function readNumberPoint(r: WireReader, end: number, sets: AttributeSets): NumberDataPoint | undefined {
  let attributes: Attributes | undefined;
  let start = 0;
  let time = 0;
  let value = NaN;
  let hasValue = false;
  let flags = 0;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 0x11:
        start = r.fixed64();
        break;
      case 0x19:
        time = r.fixed64();
        break;
      case 0x21:
        value = r.double();
        hasValue = true;
        break;
      case 0x31:
        value = r.sfixed64();
        hasValue = true;
        break;
      case 0x3a:
        attributes = attributesOf(r, tag, 7, NUMBER_POINT, end, sets, attributes);
        break;
      case 0x40:
        flags = r.varint32();
        break;
      default:
        r.skip(tag, NUMBER_POINT, end);
    }
  }
  r.done(end, NUMBER_POINT);
  if (!hasValue && (flags & FLAG_NO_RECORDED_VALUE) === 0) return undefined;
  return { attributes: attributes ?? {}, startTimeUnixNano: start, timeUnixNano: time, flags, value };
}

export function readHistogramPoint(r: WireReader, end: number, sets: AttributeSets): HistogramDataPoint {
  let attributes: Attributes | undefined;
  const p: HistogramDataPoint = { attributes: {}, startTimeUnixNano: 0, timeUnixNano: 0, flags: 0, count: 0, bucketCounts: [], explicitBounds: [] };
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 0x11:
        p.startTimeUnixNano = r.fixed64();
        break;
      case 0x19:
        p.timeUnixNano = r.fixed64();
        break;
      case 0x21:
        p.count = r.fixed64();
        break;
      case 0x29:
        p.sum = r.double();
        break;
      case 0x32: // bucket_counts, packed
        for (const e = r.end(6, HISTOGRAM_POINT, end); r.pos < e; ) p.bucketCounts.push(r.fixed64());
        break;
      case 0x31: // bucket_counts, one element
        p.bucketCounts.push(r.fixed64());
        break;
      case 0x3a: // explicit_bounds, packed
        for (const e = r.end(7, HISTOGRAM_POINT, end); r.pos < e; ) p.explicitBounds.push(r.double());
        break;
      case 0x39: // explicit_bounds, one element
        p.explicitBounds.push(r.double());
        break;
      case 0x4a:
        attributes = attributesOf(r, tag, 9, HISTOGRAM_POINT, end, sets, attributes);
        break;
      case 0x50:
        p.flags = r.varint32();
        break;
      case 0x59:
        p.min = r.double();
        break;
      case 0x61:
        p.max = r.double();
        break;
      default:
        r.skip(tag, HISTOGRAM_POINT, end);
    }
  }
  r.done(end, HISTOGRAM_POINT);
  if (attributes !== undefined) p.attributes = attributes;
  return p;
}

export function readExponentialHistogramPoint(r: WireReader, end: number, sets: AttributeSets): ExponentialHistogramDataPoint {
  let attributes: Attributes | undefined;
  const p: ExponentialHistogramDataPoint = {
    attributes: {},
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
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 0x0a:
        attributes = attributesOf(r, tag, 1, EXP_POINT, end, sets, attributes);
        break;
      case 0x11:
        p.startTimeUnixNano = r.fixed64();
        break;
      case 0x19:
        p.timeUnixNano = r.fixed64();
        break;
      case 0x21:
        p.count = r.fixed64();
        break;
      case 0x29:
        p.sum = r.double();
        break;
      case 0x30:
        p.scale = r.sint32();
        break;
      case 0x39:
        p.zeroCount = r.fixed64();
        break;
      case 0x42:
        p.positive = readBuckets(r, r.end(8, EXP_POINT, end));
        break;
      case 0x4a:
        p.negative = readBuckets(r, r.end(9, EXP_POINT, end));
        break;
      case 0x50:
        p.flags = r.varint32();
        break;
      case 0x61:
        p.min = r.double();
        break;
      case 0x69:
        p.max = r.double();
        break;
      case 0x71:
        p.zeroThreshold = r.double();
        break;
      default:
        r.skip(tag, EXP_POINT, end);
    }
  }
  r.done(end, EXP_POINT);
  if (attributes !== undefined) p.attributes = attributes;
  return p;
}

function readBuckets(r: WireReader, end: number): ExponentialBuckets {
  const b: ExponentialBuckets = { offset: 0, bucketCounts: [] };
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 0x08) b.offset = r.sint32();
    else if (tag === 0x12) for (const e = r.end(2, BUCKETS, end); r.pos < e; ) b.bucketCounts.push(r.uint64());
    else if (tag === 0x10) b.bucketCounts.push(r.uint64());
    else r.skip(tag, BUCKETS, end);
  }
  r.done(end, BUCKETS);
  return b;
}

export function readSummaryPoint(r: WireReader, end: number, sets: AttributeSets): SummaryDataPoint {
  let attributes: Attributes | undefined;
  const p: SummaryDataPoint = { attributes: {}, startTimeUnixNano: 0, timeUnixNano: 0, flags: 0, count: 0, sum: 0, quantileValues: [] };
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 0x11:
        p.startTimeUnixNano = r.fixed64();
        break;
      case 0x19:
        p.timeUnixNano = r.fixed64();
        break;
      case 0x21:
        p.count = r.fixed64();
        break;
      case 0x29:
        p.sum = r.double();
        break;
      case 0x32:
        p.quantileValues.push(readQuantile(r, r.end(6, SUMMARY_POINT, end)));
        break;
      case 0x3a:
        attributes = attributesOf(r, tag, 7, SUMMARY_POINT, end, sets, attributes);
        break;
      case 0x40:
        p.flags = r.varint32();
        break;
      default:
        r.skip(tag, SUMMARY_POINT, end);
    }
  }
  r.done(end, SUMMARY_POINT);
  if (attributes !== undefined) p.attributes = attributes;
  return p;
}

function readQuantile(r: WireReader, end: number): { quantile: number; value: number } {
  let quantile = 0;
  let value = 0;
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 0x09) quantile = r.double();
    else if (tag === 0x11) value = r.double();
    else r.skip(tag, QUANTILE, end);
  }
  r.done(end, QUANTILE);
  return { quantile, value };
}
