import { addKnown, type NameFlow } from '../component/name-flow.ts';
import { sanitizeLabelName, sanitizeMetricName } from './prometheus-naming.ts';
import type { PrometheusTranslationConfig } from './translation-config.ts';

/** Labels every series gets from its resource (`service.name`, `service.instance.id`). */
const RESOURCE_LABELS = ['job', 'instance'];
const SCOPE_LABELS = ['otel_scope_name', 'otel_scope_version'];

/** The words a type or unit can add after a name: a unit (`seconds`, `bytes_per_second`), then `_total`, `_ratio`, `_bucket`, `_count`, `_sum`. */
const ADDED_WORDS = /^[a-z]+(?:_[a-z]+)*$/;

/**
 * The names a Prometheus exporter (`prometheus`, `prometheusremotewrite`) serves, as the config alone
 * tells: each metric under its Prometheus name (the namespace, the characters Prometheus allows), with
 * its labels as label names plus `job`, `instance`, the scope labels (unless `scope_labels: false`),
 * `const_labels` (scrape) and `external_labels` (remote-write); with `resource_to_telemetry_conversion` the labels are the senders' (unknown).
 * What a metric's type and unit add (`_total`, `_bucket`, `_count`, `_sum`, `_ratio`, `_seconds`…)
 * depends on what is sent, which the config does not say: those suffixed names are open (undecidable),
 * as are the names the senders bring (input.open), under any Prometheus name.
 */
export function prometheusNames(config: PrometheusTranslationConfig & { const_labels?: Record<string, string>; external_labels?: Record<string, string> }, input: NameFlow): NameFlow {
  const known = new Map<string, ReadonlySet<string> | undefined>();
  const added = [...RESOURCE_LABELS, ...(config.scope_labels ? SCOPE_LABELS : []), ...Object.keys(config.const_labels ?? {}), ...Object.keys(config.external_labels ?? {})];
  const promName = (name: string) => sanitizeMetricName(config.namespace ? `${config.namespace}_${name}` : name);
  for (const [name, labels] of input.known) {
    addKnown(known, promName(name), labels && !config.resource_to_telemetry_conversion.enabled ? new Set([...[...labels].map(sanitizeLabelName), ...added]) : undefined);
  }
  const suffixed = (name: string) => [...known.keys()].some((base) => name.startsWith(`${base}_`) && ADDED_WORDS.test(name.slice(base.length + 1)));
  // A name the senders bring: the OpenTelemetry names that may have become `name` (its dots written as `_`, a suffix added).
  const sources = (name: string): string[] => {
    const bare = config.namespace && name.startsWith(`${sanitizeMetricName(config.namespace)}_`) ? name.slice(sanitizeMetricName(config.namespace).length + 1) : name;
    const bases = [bare, ...[...bare.matchAll(/_/g)].map((m) => bare.slice(0, m.index)).filter((base) => base !== '' && ADDED_WORDS.test(bare.slice(base.length + 1)))];
    return bases.flatMap((base) => [base, base.replaceAll('_', '.')]);
  };
  const fromSenders = input.open.map((o) => ({ admits: (name: string) => sources(name).some((source) => o.admits(source)), why: o.why }));
  return { known, open: [{ admits: suffixed, why: 'the metric’s type and unit: a counter gets `_total`, a histogram `_bucket`, `_count` and `_sum`, a unit its words' }, ...fromSenders] };
}
