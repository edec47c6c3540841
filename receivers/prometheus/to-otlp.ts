import type { Attributes } from '../../src/model/common.ts';
import type { HistogramDataPoint, NumberDataPoint, SummaryDataPoint } from '../../src/model/metrics.ts';
import { foldCreatedGauges } from './created-gauges.ts';
import type { FamilyType, ParsedFamily, ParsedSample } from './parse.ts';
import { relabel, type CompiledRelabel } from './relabel.ts';

/**
 * Scraped families → one OTLP point per series, as the Collector's prometheus receiver maps them:
 * counters become monotonic cumulative sums named without `_total`, histograms and summaries are
 * assembled from their `_bucket`/`_sum`/`_count`/quantile samples, everything else is a gauge. `job`
 * and `instance` leave the labels for the resource; the other labels are the point's attributes.
 * Start times are set later (series-state.ts): here a point only carries `_created`, when given.
 */
export interface ScrapedSeries {
  /** Resource, metric name, type and attributes: one series across scrapes. */
  key: string;
  job: string;
  instance: string;
  metric: { name: string; description: string; unit: string; type: 'gauge' | 'sum' | 'histogram' | 'summary' };
  point: NumberDataPoint | HistogramDataPoint | SummaryDataPoint;
  /** OpenMetrics `_created`, in ns. */
  createdNs?: number;
}

export interface TargetLabels {
  /** `job`, `instance` and the static config's labels. */
  labels: Readonly<Record<string, string>>;
  honorLabels: boolean;
  honorTimestamps: boolean;
  relabels: readonly CompiledRelabel[];
}

export interface ConvertResult {
  series: ScrapedSeries[];
  /** Samples read from the page, and those left after metric_relabel_configs. */
  samplesScraped: number;
  samplesKept: number;
}

/** OpenMetrics unit words the OTLP data model spells in UCUM. */
const UCUM: Record<string, string> = { seconds: 's', milliseconds: 'ms', bytes: 'By', ratio: '1', celsius: 'Cel', volts: 'V', amperes: 'A', joules: 'J', grams: 'g', meters: 'm', hertz: 'Hz', percent: '%' };

type Role = 'value' | 'created' | 'bucket' | 'sum' | 'count' | 'quantile';

interface Acc {
  key: string;
  job: string;
  instance: string;
  kind: 'gauge' | 'sum' | 'histogram' | 'summary';
  name: string;
  description: string;
  unit: string;
  attributes: Attributes;
  timeMs: number;
  value?: number;
  created?: number;
  sum?: number;
  count?: number;
  buckets: [le: number, cumulative: number][];
  quantiles: { quantile: number; value: number }[];
}

export function familiesToSeries(families: readonly ParsedFamily[], target: TargetLabels, scrapeMs: number): ConvertResult {
  const accs = new Map<string, Acc>();
  let samplesScraped = 0;
  let samplesKept = 0;
  for (const f of foldCreatedGauges(families)) {
    for (const s of f.samples) {
      samplesScraped++;
      const labels = withTargetLabels(s, target);
      labels.__name__ = s.name;
      if (!relabel(labels, target.relabels)) continue;
      samplesKept++;
      const { role, suffix } = roleOf(f, s.name);
      let base = labels.__name__ ?? s.name;
      if (suffix && base.endsWith(suffix)) base = base.slice(0, -suffix.length);
      const kind = kindOf(f.type);
      // The Collector's name for a counter: `_total` belongs to the Prometheus form, not the OTLP one.
      if (kind === 'sum' && base.endsWith('_total')) base = base.slice(0, -'_total'.length);
      const job = labels.job ?? '';
      const instance = labels.instance ?? '';
      const attributes: Attributes = {};
      let le: string | undefined;
      let quantile: string | undefined;
      for (const k in labels) {
        const v = labels[k]!;
        if (k === '__name__' || k === 'job' || k === 'instance' || v === '') continue;
        if (kind === 'histogram' && role === 'bucket' && k === 'le') le = v;
        else if (kind === 'summary' && role === 'quantile' && k === 'quantile') quantile = v;
        else attributes[k] = v;
      }
      const key = seriesKey(job, instance, base, kind, attributes);
      let acc = accs.get(key);
      if (!acc) {
        const timeMs = target.honorTimestamps && s.timestampMs !== undefined ? s.timestampMs : scrapeMs;
        acc = { key, job, instance, kind, name: base, description: f.help, unit: UCUM[f.unit] ?? f.unit, attributes, timeMs, buckets: [], quantiles: [] };
        accs.set(key, acc);
      }
      take(acc, role, s.value, le, quantile);
    }
  }
  const series: ScrapedSeries[] = [];
  for (const acc of accs.values()) {
    const built = build(acc);
    if (built) series.push(built);
  }
  return { series, samplesScraped, samplesKept };
}

/**
 * The target's labels joined to the sample's, as Prometheus does: with honor_labels the sample's win,
 * else the target's, the sample's value kept as `exported_<name>`. Empty values mean no label.
 */
function withTargetLabels(s: ParsedSample, target: TargetLabels): Record<string, string> {
  // Copied key by key: V8 takes a slow path spreading these parser-built objects (measured 40× slower).
  const labels: Record<string, string> = {};
  for (const k in s.labels) labels[k] = s.labels[k]!;
  for (const k in target.labels) {
    const v = target.labels[k]!;
    const own = labels[k];
    if (own !== undefined && own !== '') {
      if (target.honorLabels) continue;
      let exported = `exported_${k}`;
      while (labels[exported] !== undefined) exported = `exported_${exported}`;
      labels[exported] = own;
    }
    labels[k] = v;
  }
  return labels;
}

function kindOf(type: FamilyType): Acc['kind'] {
  switch (type) {
    case 'counter':
      return 'sum';
    case 'histogram':
      return 'histogram';
    case 'summary':
      return 'summary';
    default:
      return 'gauge';
  }
}

function roleOf(f: ParsedFamily, sample: string): { role: Role; suffix: string } {
  const suffix = sample.length > f.name.length ? sample.slice(f.name.length) : '';
  switch (f.type) {
    case 'counter':
      return { role: suffix === '_created' ? 'created' : 'value', suffix };
    case 'histogram':
      return { role: ({ _bucket: 'bucket', _sum: 'sum', _count: 'count', _created: 'created' } as const)[suffix] ?? 'value', suffix };
    case 'summary':
      return { role: ({ _sum: 'sum', _count: 'count', _created: 'created' } as const)[suffix] ?? 'quantile', suffix };
    default:
      // Every other sample is a gauge of its own name (gaugehistogram, info and stateset included).
      return { role: 'value', suffix: '' };
  }
}

function take(acc: Acc, role: Role, value: number, le: string | undefined, quantile: string | undefined): void {
  switch (role) {
    case 'value':
      acc.value = value;
      return;
    case 'created':
      acc.created = value;
      return;
    case 'sum':
      acc.sum = value;
      return;
    case 'count':
      acc.count = value;
      return;
    case 'bucket': {
      const bound = le === undefined ? NaN : le === '+Inf' ? Infinity : Number(le);
      if (!Number.isNaN(bound)) acc.buckets.push([bound, value]);
      return;
    }
    case 'quantile': {
      const q = quantile === undefined ? NaN : Number(quantile);
      if (!Number.isNaN(q)) acc.quantiles.push({ quantile: q, value });
      return;
    }
  }
}

function build(acc: Acc): ScrapedSeries | undefined {
  const base = { attributes: acc.attributes, startTimeUnixNano: 0, timeUnixNano: acc.timeMs * 1e6, flags: 0 };
  const metric = { name: acc.name, description: acc.description, unit: acc.unit, type: acc.kind };
  const created = acc.created !== undefined && acc.created > 0 ? { createdNs: acc.created * 1e9 } : {};
  switch (acc.kind) {
    case 'gauge':
    case 'sum':
      if (acc.value === undefined) return undefined;
      return { key: acc.key, job: acc.job, instance: acc.instance, metric, point: { ...base, value: acc.value }, ...created };
    case 'histogram': {
      const buckets = acc.buckets.sort((a, b) => a[0] - b[0]);
      const inf = buckets.length > 0 && buckets[buckets.length - 1]![0] === Infinity ? buckets.pop()![1] : undefined;
      const count = acc.count ?? inf ?? buckets[buckets.length - 1]?.[1];
      if (count === undefined) return undefined;
      const bucketCounts: number[] = [];
      let below = 0;
      for (const [, cumulative] of buckets) {
        bucketCounts.push(Math.max(0, cumulative - below));
        below = Math.max(below, cumulative);
      }
      bucketCounts.push(Math.max(0, count - below));
      const point: HistogramDataPoint = { ...base, count, bucketCounts, explicitBounds: buckets.map(([le]) => le), ...(acc.sum !== undefined ? { sum: acc.sum } : {}) };
      return { key: acc.key, job: acc.job, instance: acc.instance, metric, point, ...created };
    }
    case 'summary': {
      if (acc.count === undefined && acc.sum === undefined && acc.quantiles.length === 0) return undefined;
      const point: SummaryDataPoint = { ...base, count: acc.count ?? 0, sum: acc.sum ?? 0, quantileValues: acc.quantiles.sort((a, b) => a.quantile - b.quantile) };
      return { key: acc.key, job: acc.job, instance: acc.instance, metric, point, ...created };
    }
  }
}

function seriesKey(job: string, instance: string, name: string, kind: string, attributes: Attributes): string {
  const attrs = Object.keys(attributes)
    .sort()
    .map((k) => `${k}\u0001${String(attributes[k])}`)
    .join('\u0002');
  return `${job}\u0000${instance}\u0000${name}\u0000${kind}\u0000${attrs}`;
}
