import { addKnown, type NameFlow } from '../../src/component/name-flow.ts';
import type { DatadogExporterConfig } from './config.ts';
import { ddMetricName } from './tags.ts';

/** Tags every series gets from its resource (service.name, the environment, service.version, the host). */
const RESOURCE_TAGS = ['service', 'env', 'version', 'host'];

/**
 * The names DataDog gets: each metric under its DataDog name, with its labels as tags plus the resource's.
 * A histogram is sent as a distribution of its own name (`histograms.mode: distributions`) or as
 * `.count`/`.sum`/`.min`/`.max` (`nobuckets`) or `.bucket` (`counters`), a summary as `.count`/`.sum`/
 * `.quantile`: which one a name gets depends on its type, which the config does not say, so those
 * suffixed names are open (undecidable), not made.
 */
export function datadogNames(config: DatadogExporterConfig, input: NameFlow): NameFlow {
  const known = new Map<string, ReadonlySet<string> | undefined>();
  for (const [name, labels] of input.known) {
    addKnown(known, ddMetricName(name), labels && !config.metrics.resource_attributes_as_tags ? new Set([...[...labels].map((l) => l.toLowerCase()), ...RESOURCE_TAGS]) : undefined);
  }
  const suffixes = config.metrics.histograms.mode === 'counters' ? ['.bucket', '.count', '.sum', '.quantile'] : config.metrics.histograms.mode === 'nobuckets' ? ['.count', '.sum', '.min', '.max', '.quantile'] : ['.count', '.sum', '.quantile'];
  const bySuffix = (name: string) => suffixes.some((s) => name.endsWith(s) && known.has(name.slice(0, -s.length)));
  return { known, open: [{ admits: bySuffix, why: 'the metric’s type: a histogram or summary is sent under suffixed names' }, ...input.open] };
}
