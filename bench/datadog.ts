/**
 * DataDog encoding. Series: the 10,000 counts of the bench request as our exporter sends them (JSON +
 * gzip, split under the intake's limits) against `@datadog/datadog-api-client`'s own serializer
 * (ObjectSerializer on a MetricPayload, stringified, then the same gzip) on the same series. Sketches:
 * 1,000 histogram points (the SDK's default ms buckets) built into DDSketches, and their SketchPayload
 * encoded + gzipped, beside protobufjs encoding the same SketchPayload from agent-payload's .proto.
 * Standalone: `node --import tsx bench/datadog.ts` prints the table.
 */
import { gzipSync } from 'node:zlib';
import { loadZstd } from '../exporters/datadog/zstd.ts';
import { pathToFileURL } from 'node:url';
import { v2 } from '@datadog/datadog-api-client';
import { seriesBodies, sketchBodies, encodeSeriesPayload } from '../exporters/datadog/payload.ts';
import { encodeSketchPayload } from '../exporters/datadog/sketch-payload.ts';
import { DatadogTranslator, type DdItem, type DdPoint, type DdSketch } from '../exporters/datadog/translate.ts';
import { decodeMetricsProto } from '../src/otlp/decode/index.ts';
import type { HistogramDataPoint, MetricsBatch } from '../src/model/metrics.ts';
import { encodeSketchPayloadWithProtobufjs } from '../test/helpers/datadog-sketch-intake.ts';
import { benchRequest, rate, type Row } from './decode.ts';

const SDK_MS_BOUNDS = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];
const HISTOGRAM_POINTS = 1000;

const translator = (histogramMode: 'distributions' | 'nobuckets') => new DatadogTranslator({ histogramMode, resourceAttributesAsTags: false, startedAtNs: 0, deltaTtlMs: 3_600_000 });

/** 1,000 delta latency histograms (one per route × provider), 200 log-normal values each. */
function histogramBatch(): MetricsBatch {
  let seed = 1;
  const uniform = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  const now = Date.now() * 1e6;
  const points: HistogramDataPoint[] = Array.from({ length: HISTOGRAM_POINTS }, (_, i) => {
    const counts = new Array<number>(SDK_MS_BOUNDS.length + 1).fill(0);
    let sum = 0;
    for (let j = 0; j < 200; j++) {
      const v = 80 * Math.exp(0.8 * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()));
      const b = SDK_MS_BOUNDS.findIndex((x) => v <= x);
      counts[b === -1 ? SDK_MS_BOUNDS.length : b]!++;
      sum += v;
    }
    return { attributes: { 'http.route': `/v1/prompts/${i % 50}`, provider: `provider-${i}` }, startTimeUnixNano: now - 10e9, timeUnixNano: now, flags: 0, count: 200, sum, bucketCounts: counts, explicitBounds: SDK_MS_BOUNDS };
  });
  const resource = { attributes: { 'service.name': 'prompter-api', 'deployment.environment.name': 'bench', 'host.name': 'bench-1' } };
  return { resourceMetrics: [{ resource, schemaUrl: '', scopeMetrics: [{ scope: { name: 'bench', version: '', attributes: {} }, schemaUrl: '', metrics: [{ name: 'prompter.http.latency', description: '', unit: 'ms', type: 'histogram', temporality: 'delta', points }] }] }] };
}

/** The same series as the client's model takes them. */
function clientPayload(points: readonly DdPoint[]): v2.MetricPayload {
  const series = points.map((p) => ({ metric: p.metric, type: p.type === 'count' ? 1 : 3, points: [{ timestamp: p.timestamp, value: p.value }], tags: p.tags, ...(p.host ? { resources: [{ name: p.host, type: 'host' }] } : {}), ...(p.interval ? { interval: p.interval } : {}) }));
  return { series } as v2.MetricPayload;
}

const isSketch = (i: DdItem): i is DdSketch => i.type === 'sketch';
const isPoint = (i: DdItem): i is DdPoint => i.type !== 'sketch';

export async function benchDatadog(): Promise<Row[]> {
  const { proto } = await benchRequest();
  const points = translator('nobuckets').translate(decodeMetricsProto(proto).batch, Date.now()).items.filter(isPoint);
  const payload = clientPayload(points);
  const ours = () => seriesBodies(points, 'gzip');
  const theirs = () => gzipSync(v2.ObjectSerializer.stringify(v2.ObjectSerializer.serialize(payload, 'MetricPayload', ''), 'application/json'));
  // Parity: the client's serializer and ours write the same series.
  const mine = JSON.parse(encodeSeriesPayload(points).toString()) as { series: unknown[] };
  const normalized = (p: unknown) => JSON.stringify(v2.ObjectSerializer.serialize(p, 'MetricPayload', ''));
  if (normalized(payload) !== normalized(mine)) throw new Error('parity: our series differ from the client’s');

  const oursRate = rate(ours) * points.length;
  const peerRate = rate(theirs) * points.length;
  const oursBytes = ours().bodies.reduce((n, b) => n + b.payload.length, 0) / points.length;
  await loadZstd();
  const zstdRate = rate(() => seriesBodies(points, 'zstd1')) * points.length;
  const zstdBytes = seriesBodies(points, 'zstd1').bodies.reduce((n, b) => n + b.payload.length, 0) / points.length;
  const peerBytes = theirs().length / points.length;

  const batch = histogramBatch();
  const build = () => translator('distributions').translate(batch, Date.now()).items.filter(isSketch);
  const sketches = build();
  const buildRate = rate(build) * sketches.length;
  const encodeRate = rate(() => sketchBodies(sketches, 'gzip')) * sketches.length;
  const pbjsRate = rate(() => gzipSync(encodeSketchPayloadWithProtobufjs(sketches))) * sketches.length;
  const raw = encodeSketchPayload(sketches);
  const gz = sketchBodies(sketches, 'gzip').bodies.reduce((n, b) => n + b.payload.length, 0);
  const bins = sketches.reduce((n, s) => n + s.keys.length, 0) / sketches.length;
  return [
    { name: 'series JSON + gzip (ours)', value: Math.round(oursRate), unit: 'points/s', note: `${(oursRate / peerRate).toFixed(2)}× @datadog/datadog-api-client; ${points.length} count points` },
    { name: 'series JSON + gzip (@datadog/datadog-api-client ObjectSerializer)', value: Math.round(peerRate), unit: 'points/s' },
    { name: 'series compressed bytes per point (ours)', value: Number(oursBytes.toFixed(1)), unit: 'B/point', note: `client ${peerBytes.toFixed(1)} B/point (${(oursBytes / peerBytes).toFixed(2)}×)` },
    { name: 'series JSON + zstd1 (ours, compression: zstd1)', value: Math.round(zstdRate), unit: 'points/s', note: `${(zstdRate / oursRate).toFixed(2)}× ours with gzip; ${zstdBytes.toFixed(1)} B/point (${(zstdBytes / oursBytes).toFixed(2)}× gzip's)` },
    { name: 'histogram point → DDSketch, translation included (SDK default ms buckets)', value: Math.round(buildRate), unit: 'sketches/s', note: `${bins.toFixed(0)} bins per sketch on average; 200 values per point` },
    { name: 'SketchPayload encode + gzip (ours)', value: Math.round(encodeRate), unit: 'sketches/s', note: `${(encodeRate / pbjsRate).toFixed(2)}× protobufjs + the same gzip` },
    { name: 'SketchPayload encode + gzip (protobufjs from agent-payload .proto)', value: Math.round(pbjsRate), unit: 'sketches/s' },
    { name: 'sketch bytes, gzip (ours)', value: Math.round(gz / sketches.length), unit: 'B/sketch', note: `${Math.round(raw.length / sketches.length)} B/sketch before gzip` },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await benchDatadog();
  console.table(rows.map((r) => ({ name: r.name, value: r.value.toLocaleString('en-US'), unit: r.unit, note: r.note ?? '' })));
}
