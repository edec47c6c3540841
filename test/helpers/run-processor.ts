import type { ProcessorFactory } from '../../src/component/component.ts';
import type { Metric, MetricsBatch } from '../../src/model/metrics.ts';
import { silentSettings } from './silent-settings.ts';

/** Runs one batch through a metrics processor made from `config`; returns what it passed on. */
export async function runProcessor(factory: ProcessorFactory, config: unknown, input: MetricsBatch) {
  const settings = silentSettings(factory.type);
  let out: MetricsBatch | undefined;
  const p = factory.createMetrics!(settings, factory.configSchema.parse(config), { consumeMetrics: async (b) => void (out = b) });
  await p.start();
  await p.consumeMetrics(input);
  await p.shutdown();
  const metrics: Metric[] = out?.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics)) ?? [];
  const dropped = async () => (await settings.selfMetrics.registry.getSingleMetricAsString('switchyard_processor_dropped_points_total')) ?? '';
  return { out, metrics, byName: (n: string) => metrics.filter((m) => m.name === n), settings, dropped };
}
