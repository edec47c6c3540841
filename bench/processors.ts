/**
 * The two stateful processors: points/s through each on the decoded 10,000-point bench request, beside
 * the bare decode rate of the same request, and the memory each holds per tracked series at 1,000,000
 * series (heap delta after a full collection ÷ the series it tracks).
 * Standalone: `node --expose-gc --import tsx bench/processors.ts` prints the table.
 */
import { pathToFileURL } from 'node:url';
import type { Attributes } from '../src/model/common.ts';
import { countDataPoints, type Metric, type MetricsBatch, type NumberDataPoint } from '../src/model/metrics.ts';
import { cardinalityProcessorFactory } from '../src/processors/cardinality/factory.ts';
import { CardinalityTransform } from '../src/processors/cardinality/cardinality.ts';
import { ratioProcessorFactory } from '../src/processors/ratio/factory.ts';
import { RatioTransform } from '../src/processors/ratio/ratio.ts';
import { decodeMetricsProto } from '../src/otlp/decode/index.ts';
import { silentSettings } from '../test/helpers/silent-settings.ts';
import { benchRequest, collectGarbage, rate, type Row } from './decode.ts';

const MILLION = 1_000_000;
const T0 = 1_700_000_000e9;

function batchOf(metrics: Metric[]): MetricsBatch {
  return { resourceMetrics: [{ resource: { attributes: { 'service.name': 'bench' } }, schemaUrl: '', scopeMetrics: [{ scope: { name: 'bench', version: '', attributes: {} }, schemaUrl: '', metrics }] }] };
}

/** A cumulative counter with one point per label set `attrs(i)`, i in [from, to). */
function counter(name: string, from: number, to: number, attrs: (i: number) => Attributes, atSecond = 1): Metric {
  const points: NumberDataPoint[] = [];
  for (let i = from; i < to; i++) points.push({ attributes: attrs(i), startTimeUnixNano: T0, timeUnixNano: T0 + atSecond * 1e9, flags: 0, value: i });
  return { name, description: '', unit: '', type: 'sum', temporality: 'cumulative', monotonic: true, points };
}

/** Heap bytes the processor holds per tracked series once `fill` has run, on clean heaps before and after. */
function bytesPerSeries<T extends { trackedSeries: number }>(create: () => T, fill: (t: T) => void): { bytes: number; series: number } {
  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  const t = create();
  fill(t);
  collectGarbage();
  const bytes = process.memoryUsage().heapUsed - before;
  return { bytes: Math.round(bytes / t.trackedSeries), series: t.trackedSeries };
}

/** The decoded bench request with every point moved `step` seconds on and its value up by one, for ratios to see new points. */
function advance(batch: MetricsBatch, step: number): void {
  for (const rm of batch.resourceMetrics) for (const sm of rm.scopeMetrics) for (const m of sm.metrics) for (const p of m.points as NumberDataPoint[]) {
    p.timeUnixNano += step * 1e9;
    p.value += 1;
  }
}

export async function benchProcessors(): Promise<Row[]> {
  const { proto, points } = await benchRequest();
  const decoded = () => decodeMetricsProto(proto).batch;
  const decodeRate = rate(() => decodeMetricsProto(proto)) * points;
  const beside = (r: number) => `${(decodeRate / r).toFixed(2)}× slower than decode alone`;

  // Cardinality: every label set kept (1,000 per counter, under the default 2,000).
  const kept = new CardinalityTransform(cardinalityProcessorFactory.configSchema.parse({}), silentSettings('cardinality'));
  const steady = decoded();
  const keptRate = rate(() => kept.processMetrics(steady)) * points;

  // Cardinality over its limit (100 per counter): 900 of each counter's 1,000 sets fold, every batch,
  // with 300,000 folded series of another metric held.
  const over = new CardinalityTransform(cardinalityProcessorFactory.configSchema.parse({ max_series_per_metric: 100 }), silentSettings('cardinality'));
  for (let b = 0; b < 30; b++) over.processMetrics(batchOf([counter('flood', b * 10_000, (b + 1) * 10_000, (i) => ({ request_id: `r${i}` }))]));
  const overRate = rate(() => over.processMetrics(steady)) * points;

  const fillCardinality = (attrs: (i: number) => Attributes) => (t: CardinalityTransform) => {
    for (let b = 0; b < MILLION / 10_000; b++) t.processMetrics(batchOf([counter('requests', b * 10_000, (b + 1) * 10_000, attrs)]));
  };
  const keptMemory = bytesPerSeries(() => new CardinalityTransform(cardinalityProcessorFactory.configSchema.parse({ max_series_per_metric: MILLION }), silentSettings('cardinality')), fillCardinality((i) => ({ route: `/v1/prompts/${i}`, method: 'GET' })));
  const foldedMemory = bytesPerSeries(() => new CardinalityTransform(cardinalityProcessorFactory.configSchema.parse({}), silentSettings('cardinality')), fillCardinality((i) => ({ route: '/v1/prompts/:id', request_id: `r${i}` })));

  // Ratio: two ratios over four of the ten counters, by provider (1,000 groups each).
  const ratioConfig = ratioProcessorFactory.configSchema.parse({
    ratios: [
      { name: 'bench_a_ratio', numerator: 'prompter.bench.counter_0', denominator: 'prompter.bench.counter_1', by: ['provider'] },
      { name: 'bench_b_ratio', numerator: 'prompter.bench.counter_2', denominator: 'prompter.bench.counter_3', by: ['provider'] },
    ],
  });
  const ratio = new RatioTransform(ratioConfig, silentSettings('ratio'));
  const moving = decoded();
  const ratioRate = rate(() => {
    advance(moving, 10);
    ratio.processMetrics(moving);
  }) * points;

  // One 50,000-point batch: 25,000 numerator and 25,000 denominator series, one group each.
  const big = ratioProcessorFactory.configSchema.parse({ ratios: [{ name: 'big_ratio', numerator: 'f', denominator: 'a', by: ['provider'] }] });
  const bigBatch = (at: number) => batchOf([counter('f', 0, 25_000, (i) => ({ provider: `p${i}` }), at), counter('a', 0, 25_000, (i) => ({ provider: `p${i}` }), at)]);
  const bigRatio = new RatioTransform(big, silentSettings('ratio'));
  bigRatio.processMetrics(bigBatch(1));
  const second = bigBatch(61);
  const bigStart = performance.now();
  const bigOut = bigRatio.processMetrics(second);
  const bigMs = performance.now() - bigStart;
  const bigPoints = countDataPoints(bigOut) - 50_000;

  // 500,000 numerator and 500,000 denominator series in 10,000 provider groups (100 series each).
  const ratioMemory = bytesPerSeries(
    () => new RatioTransform(ratioProcessorFactory.configSchema.parse({ max_tracked_series: MILLION, ratios: [{ name: 'mem_ratio', numerator: 'f', denominator: 'a', by: ['provider'] }] }), silentSettings('ratio')),
    (t) => {
      const attrs = (i: number) => ({ provider: `p${i % 10_000}`, model: `m${i}` });
      for (let b = 0; b < MILLION / 2 / 10_000; b++) t.processMetrics(batchOf([counter('f', b * 10_000, (b + 1) * 10_000, attrs), counter('a', b * 10_000, (b + 1) * 10_000, attrs)]));
    },
  );

  return [
    { name: 'decode OTLP metrics protobuf (the baseline of this section)', value: Math.round(decodeRate), unit: 'points/s', note: `${points} points (1,000 attribute sets × 10 counters)` },
    { name: 'cardinality: every label set kept', value: Math.round(keptRate), unit: 'points/s', note: beside(keptRate) },
    { name: 'cardinality: 900 of 1,000 sets per counter over the limit, 300,000 folded series held', value: Math.round(overRate), unit: 'points/s', note: `${beside(overRate)}; ${(keptRate / overRate).toFixed(2)}× slower than all kept` },
    { name: 'cardinality: memory per kept series (1,000,000 kept)', value: keptMemory.bytes, unit: 'B/series', note: `${keptMemory.series.toLocaleString('en-US')} tracked` },
    { name: 'cardinality: memory per folded series (2,000 kept + 998,000 folded)', value: foldedMemory.bytes, unit: 'B/series', note: `${foldedMemory.series.toLocaleString('en-US')} tracked` },
    { name: 'ratio: two ratios over 4 of the 10 counters', value: Math.round(ratioRate), unit: 'points/s', note: `${beside(ratioRate)} (each call first moves the 10,000 points on, in place)` },
    { name: 'ratio: one 50,000-point batch (25,000 groups)', value: Number(bigMs.toFixed(1)), unit: 'ms', note: `${bigPoints.toLocaleString('en-US')} ratio points in ${new Set(bigOut.resourceMetrics.slice(1).flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics))).size} metric` },
    { name: 'ratio: memory per input series (1,000,000 in 10,000 groups)', value: ratioMemory.bytes, unit: 'B/series', note: `${ratioMemory.series.toLocaleString('en-US')} tracked` },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await benchProcessors();
  console.table(rows.map((r) => ({ name: r.name, value: r.value.toLocaleString('en-US'), unit: r.unit, note: r.note ?? '' })));
}
