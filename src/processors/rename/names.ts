import { addKnown, mayCarry, type NameFlow, type OpenNames } from '../../component/name-flow.ts';
import type { RenameConfig, RenameRule } from './config.ts';

/** Labels after the processor-wide renames and then the rule's own (`labels`), or the rule's `aggregate_labels`. */
function labelsAfter(config: RenameConfig, rule: RenameRule | undefined, labels: ReadonlySet<string> | undefined): ReadonlySet<string> | undefined {
  if (rule?.aggregate_labels) return new Set(rule.aggregate_labels);
  if (!labels) return undefined;
  return new Set([...labels].map((l) => config.labels[l] ?? l).map((l) => rule?.labels[l] ?? l));
}

/**
 * The rename processor's names: each rule's `to` (and `histogram_count`) wherever its `from` can arrive;
 * an `update` rule over every point of its metric (no `match_labels`) takes the old name away. A `match`
 * rule renames the names the config makes by its regex; what it makes of names from outside the config
 * (`$1` in `to`) cannot be known, so its output is open.
 */
export function renameNames(config: RenameConfig, input: NameFlow): NameFlow {
  const made: [string, ReadonlySet<string> | undefined][] = [];
  const gone = new Set<string>();
  const goneBy: RegExp[] = [];
  const open: OpenNames[] = [];
  for (const rule of config.metrics) {
    const re = rule.match === undefined ? undefined : new RegExp(rule.match);
    const sources: [string, ReadonlySet<string> | undefined][] = re
      ? [...input.known].filter(([name]) => re.test(name))
      : mayCarry(input, rule.from!)
        ? [[rule.from!, input.known.get(rule.from!)]]
        : [];
    for (const [name, labels] of sources) {
      const to = rule.to === undefined ? name : re ? name.replace(re, rule.to) : rule.to;
      const after = labelsAfter(config, rule, labels);
      made.push([to, after]);
      if (rule.histogram_count) made.push([re ? name.replace(re, rule.histogram_count) : rule.histogram_count, after]);
      if (rule.action === 'update' && !rule.match_labels && to !== name) gone.add(name);
    }
    if (re && input.open.length > 0) {
      // Names from outside the config that the regex renames: their new names follow the pattern of `to`.
      for (const to of [rule.to, rule.histogram_count]) {
        if (to === undefined) continue;
        if (!/\$\d/.test(to)) made.push([to, rule.aggregate_labels ? new Set(rule.aggregate_labels) : undefined]);
        else open.push({ admits: outputPattern(to), why: `what rename rule "${rule.match}" makes of the names it receives` });
      }
      if (rule.action === 'update' && !rule.match_labels && rule.to !== undefined) goneBy.push(re);
    }
  }
  const known = new Map<string, ReadonlySet<string> | undefined>();
  for (const [name, labels] of input.known) if (!gone.has(name)) known.set(name, labelsAfter(config, undefined, labels));
  for (const [name, labels] of made) addKnown(known, name, labels);
  const passes = (name: string) => !gone.has(name) && !goneBy.some((re) => re.test(name));
  const passing = input.open.map((o) => ({ admits: (name: string) => passes(name) && o.admits(name), why: o.why }));
  return { known, open: [...open, ...passing] };
}

/** The names a `to` with `$N` groups can make: its fixed parts around anything. */
function outputPattern(to: string): (name: string) => boolean {
  const re = new RegExp(`^${to.split(/\$\d+/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return (name) => re.test(name);
}
