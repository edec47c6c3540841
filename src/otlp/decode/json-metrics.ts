import type { Metric, MetricsBatch } from '../../model/metrics.ts';
import { resource, scope } from './json-common.ts';
import { exponentialHistogramPoint, histogramPoint, numberPoint, summaryPoint, type Missing } from './json-metric-points.ts';
import { bool, child, enumValue, mapObjects, parseJson, str, type Json } from './json-reader.ts';
import { finishMetric, temporalityOf, type MetricData } from './metric-validation.ts';
import { Rejections, type DecodeResult } from './result.ts';

const TEMPORALITY = ['AGGREGATION_TEMPORALITY_UNSPECIFIED', 'AGGREGATION_TEMPORALITY_DELTA', 'AGGREGATION_TEMPORALITY_CUMULATIVE'];

/** Decodes an ExportMetricsServiceRequest in OTLP/JSON. */
export function decodeMetricsJson(text: string): DecodeResult<MetricsBatch> {
  const doc = parseJson(text);
  const rej = new Rejections('data points');
  const resourceMetrics = mapObjects(doc, 'resourceMetrics', (rm) => ({
    resource: resource(rm),
    scopeMetrics: mapObjects(rm, 'scopeMetrics', (sm) => ({
      scope: scope(sm),
      metrics: mapObjects(sm, 'metrics', (m) => readMetric(m, rej)),
      schemaUrl: str(sm, 'schemaUrl'),
    })),
    schemaUrl: str(rm, 'schemaUrl'),
  }));
  return rej.result({ resourceMetrics });
}

function readMetric(m: Json, rej: Rejections): Metric | undefined {
  const missing: Missing = { n: 0 };
  const data: MetricData | undefined =
    child(m, 'gauge', (g) => ({ type: 'gauge' as const, points: mapObjects(g, 'dataPoints', (d) => numberPoint(d, missing)) })) ??
    child(m, 'sum', (s) => ({
      type: 'sum' as const,
      temporality: temporalityOf(enumValue(s, 'aggregationTemporality', TEMPORALITY)),
      monotonic: bool(s, 'isMonotonic'),
      points: mapObjects(s, 'dataPoints', (d) => numberPoint(d, missing)),
    })) ??
    child(m, 'histogram', (h) => ({
      type: 'histogram' as const,
      temporality: temporalityOf(enumValue(h, 'aggregationTemporality', TEMPORALITY)),
      points: mapObjects(h, 'dataPoints', histogramPoint),
    })) ??
    child(m, 'exponentialHistogram', (e) => ({
      type: 'exponential_histogram' as const,
      temporality: temporalityOf(enumValue(e, 'aggregationTemporality', TEMPORALITY)),
      points: mapObjects(e, 'dataPoints', exponentialHistogramPoint),
    })) ??
    child(m, 'summary', (s) => ({ type: 'summary' as const, points: mapObjects(s, 'dataPoints', summaryPoint) }));
  const name = str(m, 'name');
  const description = str(m, 'description');
  const unit = str(m, 'unit');
  if (data === undefined) return undefined; // no data field: nothing to forward, no point to count
  return finishMetric(name, description, unit, data, missing.n, rej);
}
