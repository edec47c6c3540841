import type { ParsedFamily } from './parse.ts';

const CREATED = '_created';

/**
 * The 0.0.4 text format has no place for when a counter, histogram or summary was created, so
 * prometheus_client (seed 001's library, through `generate_latest`) writes it after the family as a
 * gauge family of its own, `<name>_created` (`# TYPE starlette_requests_created gauge`). Read as a gauge
 * it would be a series the same service's OTLP form never has, under a name no dashboard reads; it is
 * the series' start time, as OpenMetrics' `_created` sample is. Such a gauge is folded into the family
 * it belongs to (a counter `foo_total` taking the OpenMetrics family name `foo`, which converts to the
 * same OTLP name); a `_created` gauge that belongs to no family stays a gauge.
 */
export function foldCreatedGauges(families: readonly ParsedFamily[]): readonly ParsedFamily[] {
  let owners: Map<string, number> | undefined;
  let out: (ParsedFamily | undefined)[] | undefined;
  families.forEach((f, i) => {
    if (f.type !== 'gauge' || !f.name.endsWith(CREATED)) return;
    owners ??= ownersByName(families);
    const base = f.name.slice(0, -CREATED.length);
    const at = owners.get(base);
    if (at === undefined) return;
    out ??= families.slice();
    const owner = out[at]!;
    out[at] = { ...owner, name: base, samples: [...owner.samples, ...f.samples] };
    out[i] = undefined;
  });
  return out ? out.filter((f): f is ParsedFamily => f !== undefined) : families;
}

/** The families a `<name>_created` can belong to, by that name: counters (less `_total`), histograms, summaries. */
function ownersByName(families: readonly ParsedFamily[]): Map<string, number> {
  const owners = new Map<string, number>();
  families.forEach((f, i) => {
    if (f.type === 'counter') owners.set(f.name.endsWith('_total') ? f.name.slice(0, -'_total'.length) : f.name, i);
    else if (f.type === 'histogram' || f.type === 'summary') owners.set(f.name, i);
  });
  return owners;
}
