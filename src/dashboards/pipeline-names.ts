import { anyName, NO_NAMES, unionNames, type NameFlow } from '../component/name-flow.ts';
import type { GatewayConfig } from '../config/resolve.ts';

/** What one receiver or connector brings into a pipeline. */
function sourceNames(config: GatewayConfig, key: string): NameFlow {
  const source = config.receivers.get(key) ?? config.connectors.get(key)!;
  return source.factory.metricNames?.(source.config, NO_NAMES) ?? anyName(`whether the senders of ${source.factory.kind} ${key} emit it under that name`);
}

/**
 * The metric names the config's metrics pipelines hand to exporters of the types `exporterTypes` (e.g.
 * `datadog`; `prometheus` and `prometheusremotewrite`), as the config alone tells: every such pipeline's
 * receivers, then its processors in order, then the exporter's own naming. Pipelines a config leaves off
 * (an empty API key) are counted too: the check is of what the config would send.
 */
export function exportedNames(config: GatewayConfig, exporterTypes: readonly string[]): { flow: NameFlow; pipelines: string[] } {
  const flows: NameFlow[] = [];
  const pipelines: string[] = [];
  for (const p of config.pipelines) {
    if (p.signal !== 'metrics') continue;
    const exporters = p.exporters.map((k) => config.exporters.get(k)).filter((e) => e !== undefined && exporterTypes.includes(e.factory.type));
    if (exporters.length === 0) continue;
    pipelines.push(p.key);
    let flow = unionNames(p.receivers.map((r) => sourceNames(config, r)));
    for (const key of p.processors) {
      const pc = config.processors.get(key)!;
      flow = pc.factory.metricNames ? pc.factory.metricNames(pc.config, flow) : anyName(`what processor ${key} makes (its type does not declare its effect on names)`);
    }
    for (const e of exporters) flows.push(e!.factory.metricNames?.(e!.config, flow) ?? flow);
  }
  return { flow: unionNames(flows), pipelines };
}
