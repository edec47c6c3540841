/**
 * One scrape of 100,000 series (10 counters × 10,000 label sets): our exposition serializer on the
 * Prometheus exporter's state, beside @opentelemetry/exporter-prometheus's PrometheusSerializer on the
 * SDK's own collection of the same counters, and prom-client's registry holding the same series.
 * Median CPU milliseconds of one serialization, and the bytes it writes.
 * Standalone: `node --expose-gc --import tsx bench/scrape.ts`.
 */
import { pathToFileURL } from 'node:url';
import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { Counter, Registry } from 'prom-client';
import { serialize } from '../exporters/prometheus/serializer.ts';
import { decodeMetricsProto } from '../src/otlp/decode/index.ts';
import { CumulativeState } from '../src/translate/cumulative-state.ts';
import { collectGarbage, cpuMs, type Row } from './decode.ts';
import { quantile } from './gateway.ts';

const COUNTERS = 10;
const SETS = 10_000;

/** A reader collected by hand, with room for every series (the SDK's default limit is 2,000 per instrument). */
class RoomyReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE, cardinalitySelector: () => SETS + 1 });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

const labelsOf = (s: number) => ({ method: s % 2 ? 'GET' : 'POST', route: `/v1/prompts/${s % 500}`, status: String(200 + (s % 5)), provider: `provider-${s}` });

/** Median CPU ms of `fn` over `runs` calls after a warm-up, and the length of what it returned. */
async function timed(fn: () => string | Promise<string>, runs = 7): Promise<{ ms: number; bytes: number }> {
  let bytes = Buffer.byteLength(await fn());
  collectGarbage();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = cpuMs();
    bytes = Buffer.byteLength(await fn());
    times.push(cpuMs() - t0);
  }
  return { ms: quantile(times, 0.5), bytes };
}

export async function benchScrape(): Promise<Row[]> {
  const reader = new RoomyReader();
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'prompter-api', 'deployment.environment.name': 'bench' }), readers: [reader] });
  const meter = provider.getMeter('bench', '1.0.0');
  const registry = new Registry();
  for (let c = 0; c < COUNTERS; c++) {
    const counter = meter.createCounter(`prompter.bench.counter_${c}`);
    const peer = new Counter({ name: `prompter_bench_counter_${c}_total`, help: `prompter.bench.counter_${c}`, labelNames: ['method', 'route', 'status', 'provider'], registers: [registry] });
    for (let s = 0; s < SETS; s++) {
      counter.add(s + c, labelsOf(s));
      peer.inc(labelsOf(s), s + c);
    }
  }
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();

  const state = new CumulativeState({ addMetricSuffixes: true, resourceToTelemetry: false, constLabels: {}, scopeLabels: false });
  state.apply(decodeMetricsProto(ProtobufMetricsSerializer.serializeRequest(resourceMetrics)!).batch, Date.now());
  let series = 0;
  for (const f of state.families.values()) series += f.series.size;
  if (series < COUNTERS * SETS) throw new Error(`scrape bench: the state holds ${series} series, not ${COUNTERS * SETS}`);

  const ours = await timed(() => serialize(state.families.values(), 'text'));
  const otel = await timed(() => new PrometheusSerializer().serialize(resourceMetrics));
  const promClient = await timed(() => registry.metrics());
  const note = (peer: { ms: number; bytes: number }, name: string) => `${(peer.ms / ours.ms).toFixed(2)}× faster than ${name} (${peer.ms.toFixed(1)} ms, ${peer.bytes.toLocaleString('en-US')} B)`;
  return [
    { name: `scrape of ${(COUNTERS * SETS).toLocaleString('en-US')} series: our serializer (text format)`, key: 'scrape_100k_ms', value: Number(ours.ms.toFixed(1)), unit: 'CPU ms', ratio: Math.min(otel.ms, promClient.ms) / ours.ms, note: `${ours.bytes.toLocaleString('en-US')} B; ${note(otel, '@opentelemetry/exporter-prometheus PrometheusSerializer')}; ${note(promClient, 'prom-client')} (target ≥ 3× both)` },
    { name: 'the same: @opentelemetry/exporter-prometheus PrometheusSerializer', key: 'scrape_100k_otel_ms', value: Number(otel.ms.toFixed(1)), unit: 'CPU ms', note: `${otel.bytes.toLocaleString('en-US')} B` },
    { name: 'the same: prom-client Registry.metrics()', key: 'scrape_100k_prom_client_ms', value: Number(promClient.ms.toFixed(1)), unit: 'CPU ms', note: `${promClient.bytes.toLocaleString('en-US')} B` },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await benchScrape();
  console.table(rows.map((r) => ({ name: r.name, value: r.value.toLocaleString('en-US'), unit: r.unit, note: r.note ?? '' })));
}
