import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import { AggregationTemporality, DataPointType, type DataPoint, type MetricData } from '@opentelemetry/sdk-metrics';

/** One metric as prom-client's `getMetricsAsJSON()` gives it (its `type` is the string form at run time). */
export interface PromMetricJson {
  name: string;
  help: string;
  type: unknown;
  values: { value: number; labels: Record<string, string | number | undefined>; metricName?: string }[];
}

/**
 * The gateway's self-metrics in the OpenTelemetry data model, for the SDK's readers (the OTLP push,
 * the Prometheus pull). Pure: prom-client's snapshot in, MetricData out.
 *
 * A counter keeps its name without `_total` (as the Collector pushes `otelcol_receiver_accepted_metric_points`),
 * a cumulative monotonic sum; Prometheus-style exporters add `_total` back, so a backend scraping
 * the push and one scraping the admin port see the same `switchyard_*_total` names. Gauges stay
 * gauges; histograms keep their buckets. Summaries (none today) are left out: OTLP has no summary to write.
 */
export function promToOtel(metrics: readonly PromMetricJson[], startTime: HrTime, now: HrTime): MetricData[] {
  const out: MetricData[] = [];
  for (const m of metrics) {
    const type = String(m.type);
    const point = (value: number, labels: PromMetricJson['values'][number]['labels']): DataPoint<number> => ({ startTime, endTime: now, attributes: attributes(labels), value });
    const head = (name: string) => ({ descriptor: { name, description: m.help, unit: '', valueType: ValueType.DOUBLE }, aggregationTemporality: AggregationTemporality.CUMULATIVE });
    if (type === 'counter') {
      out.push({ ...head(m.name.replace(/_total$/, '')), dataPointType: DataPointType.SUM, isMonotonic: true, dataPoints: m.values.map((v) => point(v.value, v.labels)) });
    } else if (type === 'gauge') {
      out.push({ ...head(m.name), dataPointType: DataPointType.GAUGE, dataPoints: m.values.map((v) => point(v.value, v.labels)) });
    } else if (type === 'histogram') {
      out.push({ ...head(m.name), dataPointType: DataPointType.HISTOGRAM, dataPoints: histogramPoints(m, startTime, now) });
    }
  }
  return out;
}

function attributes(labels: PromMetricJson['values'][number]['labels']): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(labels)) if (v !== undefined) out[k] = String(v);
  return out;
}

interface HistogramSeries {
  labels: PromMetricJson['values'][number]['labels'];
  bounds: number[];
  cumulative: number[];
  sum: number;
  count: number;
}

/** prom-client writes `_bucket{le}` (cumulative), `_sum` and `_count` per label set; OTLP wants per-bucket counts. */
function histogramPoints(m: PromMetricJson, startTime: HrTime, now: HrTime): DataPoint<{ buckets: { boundaries: number[]; counts: number[] }; sum: number; count: number }>[] {
  const series = new Map<string, HistogramSeries>();
  for (const v of m.values) {
    const { le, ...labels } = v.labels;
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
    let s = series.get(key);
    if (!s) series.set(key, (s = { labels, bounds: [], cumulative: [], sum: 0, count: 0 }));
    if (v.metricName?.endsWith('_bucket')) {
      if (le !== '+Inf') {
        s.bounds.push(Number(le));
        s.cumulative.push(v.value);
      }
    } else if (v.metricName?.endsWith('_sum')) s.sum = v.value;
    else if (v.metricName?.endsWith('_count')) s.count = v.value;
  }
  return [...series.values()].map((s) => {
    const counts = s.cumulative.map((c, i) => c - (i === 0 ? 0 : s.cumulative[i - 1]!));
    counts.push(s.count - (s.cumulative.at(-1) ?? 0));
    return { startTime, endTime: now, attributes: attributes(s.labels), value: { buckets: { boundaries: s.bounds, counts }, sum: s.sum, count: s.count } };
  });
}
