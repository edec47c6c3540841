/**
 * What the tap sites a graph puts around every stage cost when no tap is attached and no status page is
 * open: attributes → rename with its four sites, beside the bare chain, best of interleaved rounds.
 */
import type { MetricsConsumer } from '../src/consumer/consumer.ts';
import type { MetricsBatch } from '../src/model/metrics.ts';
import { cloneMetricsBatch } from '../src/model/clone.ts';
import { TapRegistry } from '../src/pipeline/tap.ts';
import { attributesProcessorFactory } from '../src/processors/attributes/factory.ts';
import { renameProcessorFactory } from '../src/processors/rename/factory.ts';
import { silentSettings } from '../test/helpers/silent-settings.ts';
import type { Row } from './decode.ts';

const POINTS = 2_000;
const BATCHES = 100;
const ROUNDS = 9;

/** A request's worth of counter points: 20 metrics of 100 series each, with two labels. */
function batch(): MetricsBatch {
  const metrics = Array.from({ length: 20 }, (_, m) => ({
    name: `app.requests.${m}`,
    description: '',
    unit: '1',
    type: 'sum' as const,
    temporality: 'cumulative' as const,
    monotonic: true,
    points: Array.from({ length: POINTS / 20 }, (_, i) => ({ attributes: { 'http.route': `/r/${i}`, status: 200 + (i % 3) }, startTimeUnixNano: 0, timeUnixNano: 1, flags: 0, value: i })),
  }));
  return { resourceMetrics: [{ resource: { attributes: { 'service.name': 'svc' } }, schemaUrl: '', scopeMetrics: [{ scope: { name: 's', version: '', attributes: {} }, schemaUrl: '', metrics }] }] };
}

/**
 * attributes → rename → a sink, the way PipelineGraph wires a pipeline: with `sites`, a tap site before
 * each processor, after it and before the exporter (none with a tap attached); without, the bare chain.
 */
function pipeline(sites: boolean): MetricsConsumer {
  const registry = new TapRegistry();
  const site = (names: string[], next: MetricsConsumer): MetricsConsumer => (sites ? registry.site('metrics', names, next) : next);
  const sink: MetricsConsumer = { consumeMetrics: async () => undefined };
  const rename = renameProcessorFactory.createMetrics!(silentSettings('rename'), renameProcessorFactory.configSchema.parse({ labels: { 'http.route': 'route' }, metrics: [{ match: '^app\\.requests\\.(.*)$', to: 'app_requests_$1_total' }] }), site(['before sink'], sink));
  const attributes = attributesProcessorFactory.createMetrics!(silentSettings('attributes'), attributesProcessorFactory.configSchema.parse({ actions: [{ key: 'service', from_resource: ['service.name'], action: 'upsert' }] }), site(['after attributes', 'before rename'], rename));
  return site(['before attributes'], attributes);
}

async function timeOf(p: MetricsConsumer, input: MetricsBatch): Promise<number> {
  // Each call gets a batch of its own, made before the clock starts: the processors change theirs in place.
  const inputs = Array.from({ length: BATCHES }, () => cloneMetricsBatch(input));
  const t0 = performance.now();
  for (let i = 0; i < BATCHES; i++) await p.consumeMetrics(inputs[i]!);
  return performance.now() - t0;
}

export async function benchTapSites(): Promise<Row[]> {
  const input = batch();
  const bare = pipeline(false);
  const sited = pipeline(true);
  await timeOf(bare, input);
  await timeOf(sited, input);
  const times = { bare: [] as number[], sited: [] as number[] };
  // Interleaved, so that a busy moment of the machine falls on both; the best round of each is its cost.
  for (let r = 0; r < ROUNDS; r++) {
    times.bare.push(await timeOf(bare, input));
    times.sited.push(await timeOf(sited, input));
  }
  const best = (ts: number[]) => Math.min(...ts);
  const rate = (ms: number) => Math.round((BATCHES * POINTS) / (ms / 1000));
  const ratio = best(times.sited) / best(times.bare);
  return [
    { name: 'attributes → rename, bare chain', value: rate(best(times.bare)), unit: 'points/s', key: 'tap_sites_bare' },
    { name: 'the same with four tap sites, no tap attached', value: rate(best(times.sited)), unit: 'points/s', note: `${ratio.toFixed(3)}× the bare chain's time`, key: 'tap_sites_idle' },
  ];
}
