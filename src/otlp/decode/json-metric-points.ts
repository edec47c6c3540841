import {
  FLAG_NO_RECORDED_VALUE,
  type ExponentialBuckets,
  type ExponentialHistogramDataPoint,
  type HistogramDataPoint,
  type NumberDataPoint,
  type SummaryDataPoint,
} from '../../model/metrics.ts';
import { attributes } from './json-common.ts';
import { child, dbl, dblValue, get, int, intValue, mapObjects, mapValues, type Json } from './json-reader.ts';

/** Counts the number points that carried no value. */
export interface Missing {
  n: number;
}

/** A number point needs asDouble or asInt, unless it is flagged as having no recorded value. */
export function numberPoint(d: Json, missing: Missing): NumberDataPoint | undefined {
  const flags = int(d, 'flags');
  let value = dbl(d, 'asDouble');
  if (value === undefined) {
    const asInt = get(d, 'asInt');
    if (asInt !== undefined && asInt !== null) value = int(d, 'asInt');
    else if ((flags & FLAG_NO_RECORDED_VALUE) !== 0) value = NaN;
    else {
      missing.n++;
      return undefined;
    }
  }
  return { attributes: attributes(d, 'attributes'), startTimeUnixNano: int(d, 'startTimeUnixNano'), timeUnixNano: int(d, 'timeUnixNano'), flags, value };
}

export function histogramPoint(d: Json): HistogramDataPoint {
  const p: HistogramDataPoint = {
    attributes: attributes(d, 'attributes'),
    startTimeUnixNano: int(d, 'startTimeUnixNano'),
    timeUnixNano: int(d, 'timeUnixNano'),
    flags: int(d, 'flags'),
    count: int(d, 'count'),
    bucketCounts: mapValues(d, 'bucketCounts', intValue, 'expected an integer'),
    explicitBounds: mapValues(d, 'explicitBounds', dblValue, 'expected a number'),
  };
  optionalDoubles(d, p);
  return p;
}

export function exponentialHistogramPoint(d: Json): ExponentialHistogramDataPoint {
  const p: ExponentialHistogramDataPoint = {
    attributes: attributes(d, 'attributes'),
    startTimeUnixNano: int(d, 'startTimeUnixNano'),
    timeUnixNano: int(d, 'timeUnixNano'),
    flags: int(d, 'flags'),
    count: int(d, 'count'),
    scale: int(d, 'scale'),
    zeroCount: int(d, 'zeroCount'),
    zeroThreshold: dbl(d, 'zeroThreshold') ?? 0,
    positive: child(d, 'positive', buckets) ?? { offset: 0, bucketCounts: [] },
    negative: child(d, 'negative', buckets) ?? { offset: 0, bucketCounts: [] },
  };
  optionalDoubles(d, p);
  return p;
}

export function summaryPoint(d: Json): SummaryDataPoint {
  return {
    attributes: attributes(d, 'attributes'),
    startTimeUnixNano: int(d, 'startTimeUnixNano'),
    timeUnixNano: int(d, 'timeUnixNano'),
    flags: int(d, 'flags'),
    count: int(d, 'count'),
    sum: dbl(d, 'sum') ?? 0,
    quantileValues: mapObjects(d, 'quantileValues', (q) => ({ quantile: dbl(q, 'quantile') ?? 0, value: dbl(q, 'value') ?? 0 })),
  };
}

function buckets(b: Json): ExponentialBuckets {
  return { offset: int(b, 'offset'), bucketCounts: mapValues(b, 'bucketCounts', intValue, 'expected an integer') };
}

/** sum, min and max are optional in histograms: set only when present, as the protobuf decoder does. */
function optionalDoubles(d: Json, p: { sum?: number; min?: number; max?: number }): void {
  const sum = dbl(d, 'sum');
  if (sum !== undefined) p.sum = sum;
  const min = dbl(d, 'min');
  if (min !== undefined) p.min = min;
  const max = dbl(d, 'max');
  if (max !== undefined) p.max = max;
}
