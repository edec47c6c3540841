import type { ExponentialBuckets, Metric, MetricsBatch, NumberDataPoint, Temporality } from '../../../src/model/metrics.ts';
import { OtlpDecodeError } from './errors.ts';
import { attributes, dbl, dblValue, enumValue, field, int, intValue, list, object, objects, parseJson, resource, scope, str, type Json } from './json-reader.ts';
import { validPoints } from './metric-validation.ts';
import { Rejections, type DecodeResult } from './result.ts';

const TEMPORALITY = ['AGGREGATION_TEMPORALITY_UNSPECIFIED', 'AGGREGATION_TEMPORALITY_DELTA', 'AGGREGATION_TEMPORALITY_CUMULATIVE'];

/** Decodes an ExportMetricsServiceRequest in OTLP/JSON. */
export function decodeMetricsJson(text: string): DecodeResult<MetricsBatch> {
  const doc = parseJson(text);
  const rej = new Rejections('data points');
  const batch: MetricsBatch = {
    resourceMetrics: objects(doc, 'resourceMetrics', '$').map(([rm, p]) => ({
      resource: resource(rm, p),
      schemaUrl: str(rm, 'schemaUrl', p),
      scopeMetrics: objects(rm, 'scopeMetrics', p).map(([sm, sp]) => ({
        scope: scope(sm, sp),
        schemaUrl: str(sm, 'schemaUrl', sp),
        metrics: objects(sm, 'metrics', sp).flatMap(([m, mp]) => {
          const metric = readMetric(m, mp, rej);
          return metric ? [metric] : [];
        }),
      })),
    })),
  };
  return rej.result(batch);
}

function temporality(o: Json, path: string): Temporality | undefined {
  const t = enumValue(o, 'aggregationTemporality', path, TEMPORALITY);
  return t === 1 ? 'delta' : t === 2 ? 'cumulative' : undefined;
}

function readMetric(m: Json, path: string, rej: Rejections): Metric | undefined {
  const base = { name: str(m, 'name', path), description: str(m, 'description', path), unit: str(m, 'unit', path) };
  const gauge = field(m, 'gauge');
  const sum = field(m, 'sum');
  const histogram = field(m, 'histogram');
  const exp = field(m, 'exponentialHistogram');
  const summary = field(m, 'summary');
  let metric: Metric | undefined;
  if (gauge != null) {
    const g = object(gauge, `${path}.gauge`);
    metric = { ...base, type: 'gauge', points: numberPoints(g, `${path}.gauge`, base.name, rej) };
  } else if (sum != null) {
    const s = object(sum, `${path}.sum`);
    const monotonic = field(s, 'isMonotonic') ?? false;
    if (typeof monotonic !== 'boolean') throw new OtlpDecodeError(`${path}.sum.isMonotonic: expected a boolean`);
    metric = { ...base, type: 'sum', temporality: temporality(s, `${path}.sum`)!, monotonic, points: numberPoints(s, `${path}.sum`, base.name, rej) };
  } else if (histogram != null) {
    const h = object(histogram, `${path}.histogram`);
    const hp = `${path}.histogram`;
    metric = {
      ...base,
      type: 'histogram',
      temporality: temporality(h, hp)!,
      points: objects(h, 'dataPoints', hp).map(([d, dp]) => ({
        ...common(d, dp),
        count: int(d, 'count', dp),
        ...optional(d, dp),
        bucketCounts: list(d, 'bucketCounts', dp).map((v, i) => intValue(v, `${dp}.bucketCounts[${i}]`)),
        explicitBounds: list(d, 'explicitBounds', dp).map((v, i) => dblValue(v, `${dp}.explicitBounds[${i}]`) ?? 0),
      })),
    };
  } else if (exp != null) {
    const e = object(exp, `${path}.exponentialHistogram`);
    const ep = `${path}.exponentialHistogram`;
    metric = {
      ...base,
      type: 'exponential_histogram',
      temporality: temporality(e, ep)!,
      points: objects(e, 'dataPoints', ep).map(([d, dp]) => ({
        ...common(d, dp),
        count: int(d, 'count', dp),
        ...optional(d, dp),
        scale: int(d, 'scale', dp),
        zeroCount: int(d, 'zeroCount', dp),
        zeroThreshold: dbl(d, 'zeroThreshold', dp) ?? 0,
        positive: buckets(d, 'positive', dp),
        negative: buckets(d, 'negative', dp),
      })),
    };
  } else if (summary != null) {
    const s = object(summary, `${path}.summary`);
    const sp = `${path}.summary`;
    metric = {
      ...base,
      type: 'summary',
      points: objects(s, 'dataPoints', sp).map(([d, dp]) => ({
        ...common(d, dp),
        count: int(d, 'count', dp),
        sum: dbl(d, 'sum', dp) ?? 0,
        quantileValues: objects(d, 'quantileValues', dp).map(([q, qp]) => ({ quantile: dbl(q, 'quantile', qp) ?? 0, value: dbl(q, 'value', qp) ?? 0 })),
      })),
    };
  }
  return metric && validPoints(metric, rej);
}

function common(d: Json, path: string) {
  return {
    attributes: attributes(d, 'attributes', path),
    startTimeUnixNano: int(d, 'startTimeUnixNano', path),
    timeUnixNano: int(d, 'timeUnixNano', path),
    flags: int(d, 'flags', path),
  };
}

function optional(d: Json, path: string): { sum?: number; min?: number; max?: number } {
  const out: { sum?: number; min?: number; max?: number } = {};
  for (const k of ['sum', 'min', 'max'] as const) {
    const v = dbl(d, k, path);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

function numberPoints(o: Json, path: string, name: string, rej: Rejections): NumberDataPoint[] {
  const points: NumberDataPoint[] = [];
  for (const [d, dp] of objects(o, 'dataPoints', path)) {
    const c = common(d, dp);
    const asDouble = dbl(d, 'asDouble', dp);
    const asInt = field(d, 'asInt');
    if (asDouble !== undefined) points.push({ ...c, value: asDouble });
    else if (asInt !== undefined && asInt !== null) points.push({ ...c, value: intValue(asInt, `${dp}.asInt`) });
    else if (c.flags & 1) points.push({ ...c, value: NaN });
    else rej.reject(1, `a data point of "${name}" has no value`);
  }
  return points;
}

function buckets(d: Json, name: string, path: string): ExponentialBuckets {
  const b = field(d, name);
  if (b === undefined || b === null) return { offset: 0, bucketCounts: [] };
  const o = object(b, `${path}.${name}`);
  const p = `${path}.${name}`;
  return { offset: int(o, 'offset', p), bucketCounts: list(o, 'bucketCounts', p).map((v, i) => intValue(v, `${p}.bucketCounts[${i}]`)) };
}
