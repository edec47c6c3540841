/**
 * Decode speed of one 10,000-point OTLP metrics request (1,000 attribute sets × 10 counters, as the SDK
 * serializes it): our protobuf decoder against the protobufjs module the SDK ships, and our JSON decoder
 * against JSON.parse alone (the floor any JSON decoder stands on). The same request with no attribute set
 * repeated shows our decoder without the help of its attribute-set cache.
 * Standalone: `node --import tsx bench/decode.ts` prints the table.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { decodeMetricsJson, decodeMetricsProto } from '../src/otlp/decode/index.ts';
import { countDataPoints } from '../src/model/metrics.ts';

export interface Row {
  name: string;
  value: number;
  unit: string;
  note?: string;
  /** A stable name for `bench/results.json`. */
  key?: string;
  /** The ratio the row is judged by, where it has one (measured in the same run: it holds on a busy machine). */
  ratio?: number;
}

/** The part of the SDK's generated protobufjs module we race against (it ships no typings for it). */
interface ProtobufRoot {
  opentelemetry: { proto: { collector: { metrics: { v1: { ExportMetricsServiceRequest: { decode(body: Uint8Array): unknown } } } } } };
}

const SETS = 1000;
const COUNTERS = 10;
const WARMUP_MS = 300;
const RUNS = 5;
const RUN_MS = 300; // 5 × 300 ms ≈ 1.5 s measured per subject

/** A reader collected by hand, so the SDK's own ResourceMetrics can be serialized as its exporters would. */
export class CollectingReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/**
 * The request body the SDK's OTLP exporters would send for the benchmark's instruments. With `distinct`,
 * each counter gets its own attribute values, so no attribute set repeats within the request.
 */
export async function benchRequest(distinct = false): Promise<{ proto: Uint8Array; json: string; points: number }> {
  const reader = new CollectingReader();
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'prompter-api', 'deployment.environment.name': 'bench', 'host.name': 'bench-1' }),
    readers: [reader],
  });
  const meter = provider.getMeter('bench', '1.0.0');
  for (let c = 0; c < COUNTERS; c++) {
    const counter = meter.createCounter(`prompter.bench.counter_${c}`, { unit: '{request}' });
    for (let s = 0; s < SETS; s++) {
      counter.add(s + c, { 'http.request.method': s % 2 ? 'GET' : 'POST', 'http.route': `/v1/prompts/${s % 50}`, 'http.response.status_code': 200 + (s % 5), provider: `provider-${s}`, ...(distinct ? { counter: c } : {}) });
    }
  }
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  const proto = ProtobufMetricsSerializer.serializeRequest(resourceMetrics)!;
  const json = new TextDecoder().decode(JsonMetricsSerializer.serializeRequest(resourceMetrics)!);
  return { proto, json, points: countDataPoints(decodeMetricsProto(proto).batch) };
}

/**
 * A full collection before each subject, so that none pays for the garbage the one before left: without
 * it protobufjs measured 0.16M instead of 0.8M points/s after our decoders had run. (`--expose-gc` can be
 * switched on at run time; the function then shows up in a fresh context.)
 */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** CPU milliseconds this process has used (every thread: the collector's helpers count too). */
export function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Calls per CPU-second of `fn`: on a clean heap, warmed up, then the median of several timed runs.
 * CPU time, not wall time: the machine is shared, and time spent descheduled is nobody's cost.
 */
export function rate(fn: () => unknown): number {
  collectGarbage();
  const until = (ms: number): number => {
    const start = cpuMs();
    let n = 0;
    while (cpuMs() - start < ms) {
      fn();
      n++;
    }
    return n / ((cpuMs() - start) / 1000);
  };
  until(WARMUP_MS);
  const rates = Array.from({ length: RUNS }, () => until(RUN_MS)).sort((a, b) => a - b);
  return rates[Math.floor(RUNS / 2)]!;
}

/** The protobufjs decoder of metrics requests that the SDK ships (its generated module). */
export function protobufjsMetricsRequest(): { decode(body: Uint8Array): unknown } {
  const root = createRequire(import.meta.url)('@opentelemetry/otlp-transformer/build/src/generated/root.js') as ProtobufRoot;
  return root.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
}

export async function benchDecode(): Promise<Row[]> {
  const { proto, json, points } = await benchRequest();
  const distinct = await benchRequest(true);
  const Request = protobufjsMetricsRequest();

  const ours = rate(() => decodeMetricsProto(proto)) * points;
  const protobufjs = rate(() => Request.decode(proto)) * points;
  const oursDistinct = rate(() => decodeMetricsProto(distinct.proto)) * distinct.points;
  const protobufjsDistinct = rate(() => Request.decode(distinct.proto)) * distinct.points;
  const oursJson = rate(() => decodeMetricsJson(json)) * points;
  const parseOnly = rate(() => JSON.parse(json)) * points;
  const times = (a: number, b: number, what: string) => `${(a / b).toFixed(2)}× ${what}`;
  return [
    {
      name: 'decode OTLP metrics protobuf (ours)',
      value: Math.round(ours),
      unit: 'points/s',
      note: `${times(ours, protobufjs, 'protobufjs')}; ${points} points (1,000 attribute sets × 10 counters), ${(proto.length / 1e6).toFixed(2)} MB`,
    },
    { name: 'decode OTLP metrics protobuf (protobufjs generated, decode only)', value: Math.round(protobufjs), unit: 'points/s' },
    {
      name: 'decode OTLP metrics protobuf, no attribute set repeated (ours)',
      value: Math.round(oursDistinct),
      unit: 'points/s',
      note: `${times(oursDistinct, protobufjsDistinct, 'protobufjs')} (${Math.round(protobufjsDistinct).toLocaleString('en-US')} points/s) on the same body`,
    },
    { name: 'decode OTLP metrics JSON (ours, JSON.parse included)', value: Math.round(oursJson), unit: 'points/s', note: `${times(oursJson, parseOnly, 'JSON.parse alone')}; ${(json.length / 1e6).toFixed(2)} MB` },
    { name: 'JSON.parse of the same JSON body (no model)', value: Math.round(parseOnly), unit: 'points/s' },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await benchDecode();
  console.table(rows.map((r) => ({ name: r.name, value: r.value.toLocaleString('en-US'), unit: r.unit, note: r.note ?? '' })));
}
