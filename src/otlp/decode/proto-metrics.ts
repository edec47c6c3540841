import type {
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  Metric,
  MetricsBatch,
  NumberDataPoint,
  ResourceMetrics,
  ScopeMetrics,
  SummaryDataPoint,
} from '../../model/metrics.ts';
import type { AttributeInterner } from './attribute-interner.ts';
import { AttributeSets } from './attribute-sets.ts';
import { finishMetric, temporalityOf, type MetricData } from './metric-validation.ts';
import { emptyResource, emptyScope, readResource, readScope } from './proto-common.ts';
import { readExponentialHistogramPoint, readHistogramPoint, readNumberPoint, readSummaryPoint, type PointReader } from './proto-metric-points.ts';
import { Rejections, type DecodeResult } from './result.ts';
import { LEN, VARINT, WireReader, schema, type MessageSchema } from './wire.ts';

/** opentelemetry.proto.collector.metrics.v1 and metrics.v1 (field numbers from the official protos). */
const REQUEST = schema('ExportMetricsServiceRequest', { 1: LEN });
const RESOURCE_METRICS = schema('ResourceMetrics', { 1: LEN, 2: LEN, 3: LEN });
const SCOPE_METRICS = schema('ScopeMetrics', { 1: LEN, 2: LEN, 3: LEN });
const METRIC = schema('Metric', { 1: LEN, 2: LEN, 3: LEN, 5: LEN, 7: LEN, 9: LEN, 10: LEN, 11: LEN, 12: LEN });
const GAUGE = schema('Gauge', { 1: LEN });
const SUM = schema('Sum', { 1: LEN, 2: VARINT, 3: VARINT });
const HISTOGRAM = schema('Histogram', { 1: LEN, 2: VARINT });
const EXPONENTIAL_HISTOGRAM = schema('ExponentialHistogram', { 1: LEN, 2: VARINT });
const SUMMARY = schema('Summary', { 1: LEN });

/** What every reader below the request needs: the rejection count and the request's attribute sets. */
interface Ctx {
  rej: Rejections;
  sets: AttributeSets;
}

/** Decodes an ExportMetricsServiceRequest; a receiver's `interner` keeps attribute sets across its requests. */
export function decodeMetricsProto(body: Uint8Array, interner?: AttributeInterner): DecodeResult<MetricsBatch> {
  const r = new WireReader(body);
  const ctx: Ctx = { rej: new Rejections('data points'), sets: new AttributeSets(r.buf, interner) };
  const resourceMetrics: ResourceMetrics[] = [];
  const end = r.length;
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 0x0a) resourceMetrics.push(readResourceMetrics(r, r.end(1, REQUEST, end), ctx));
    else r.skip(tag, REQUEST, end);
  }
  return ctx.rej.result({ resourceMetrics });
}

function readResourceMetrics(r: WireReader, end: number, ctx: Ctx): ResourceMetrics {
  const rm: ResourceMetrics = { resource: emptyResource(), scopeMetrics: [], schemaUrl: '' };
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 0x0a) rm.resource = readResource(r, r.end(1, RESOURCE_METRICS, end));
    else if (tag === 0x12) rm.scopeMetrics.push(readScopeMetrics(r, r.end(2, RESOURCE_METRICS, end), ctx));
    else if (tag === 0x1a) rm.schemaUrl = r.string(3, RESOURCE_METRICS, end);
    else r.skip(tag, RESOURCE_METRICS, end);
  }
  r.done(end, RESOURCE_METRICS);
  return rm;
}

function readScopeMetrics(r: WireReader, end: number, ctx: Ctx): ScopeMetrics {
  const sm: ScopeMetrics = { scope: emptyScope(), metrics: [], schemaUrl: '' };
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 0x0a) sm.scope = readScope(r, r.end(1, SCOPE_METRICS, end));
    else if (tag === 0x12) {
      const m = readMetric(r, r.end(2, SCOPE_METRICS, end), ctx);
      if (m) sm.metrics.push(m);
    } else if (tag === 0x1a) sm.schemaUrl = r.string(3, SCOPE_METRICS, end);
    else r.skip(tag, SCOPE_METRICS, end);
  }
  r.done(end, SCOPE_METRICS);
  return sm;
}

/** Counts the points of one data field that carried no value (their reader returned undefined). */
interface Missing {
  n: number;
}

function readMetric(r: WireReader, end: number, ctx: Ctx): Metric | undefined {
  let name = '';
  let description = '';
  let unit = '';
  let data: MetricData | undefined;
  const missing: Missing = { n: 0 };
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 0x0a:
        name = r.string(1, METRIC, end);
        break;
      case 0x12:
        description = r.string(2, METRIC, end);
        break;
      case 0x1a:
        unit = r.string(3, METRIC, end);
        break;
      case 0x2a: {
        const points: NumberDataPoint[] = [];
        readData(r, r.end(5, METRIC, end), GAUGE, readNumberPoint, points, ctx, missing);
        data = { type: 'gauge', points };
        break;
      }
      case 0x3a: {
        const points: NumberDataPoint[] = [];
        const { temporality, monotonic } = readData(r, r.end(7, METRIC, end), SUM, readNumberPoint, points, ctx, missing);
        data = { type: 'sum', temporality: temporalityOf(temporality), monotonic, points };
        break;
      }
      case 0x4a: {
        const points: HistogramDataPoint[] = [];
        const { temporality } = readData(r, r.end(9, METRIC, end), HISTOGRAM, readHistogramPoint, points, ctx, missing);
        data = { type: 'histogram', temporality: temporalityOf(temporality), points };
        break;
      }
      case 0x52: {
        const points: ExponentialHistogramDataPoint[] = [];
        const { temporality } = readData(r, r.end(10, METRIC, end), EXPONENTIAL_HISTOGRAM, readExponentialHistogramPoint, points, ctx, missing);
        data = { type: 'exponential_histogram', temporality: temporalityOf(temporality), points };
        break;
      }
      case 0x5a: {
        const points: SummaryDataPoint[] = [];
        readData(r, r.end(11, METRIC, end), SUMMARY, readSummaryPoint, points, ctx, missing);
        data = { type: 'summary', points };
        break;
      }
      default:
        r.skip(tag, METRIC, end);
    }
  }
  r.done(end, METRIC);
  if (data === undefined) return undefined; // no data field: nothing to forward, no point to count
  return finishMetric(name, description, unit, data, missing.n, ctx.rej);
}

/**
 * Gauge, Sum, Histogram, ExponentialHistogram and Summary share their layout: data_points = 1, then
 * aggregation_temporality = 2 and (Sum only) is_monotonic = 3. Points go into `points`; the scalars
 * are returned.
 */
function readData<P>(r: WireReader, end: number, message: MessageSchema, readPoint: PointReader<P>, points: P[], ctx: Ctx, missing: Missing): { temporality: number; monotonic: boolean } {
  let temporality = 0;
  let monotonic = false;
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 0x0a) {
      const p = readPoint(r, r.end(1, message, end), ctx.sets);
      if (p !== undefined) points.push(p);
      else missing.n++;
    } else if (tag === 0x10 && message !== GAUGE && message !== SUMMARY) temporality = r.int32();
    else if (tag === 0x18 && message === SUM) monotonic = r.bool();
    else r.skip(tag, message, end);
  }
  r.done(end, message);
  return { temporality, monotonic };
}
