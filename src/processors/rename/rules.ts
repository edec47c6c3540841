import { DerivedSets } from '../derived-sets.ts';
import { compileLabelTests, type LabelTests } from '../match/label-match.ts';
import type { RenameConfig, RenameRule } from './config.ts';

/** A rule that applies to one metric name, with its `$N` groups already filled in. */
export interface Candidate {
  rule: RenameRule;
  index: number;
  to: string;
  histogramCount: string | undefined;
  labelTests: LabelTests;
  /** Its relabelled attribute sets, kept across batches. */
  relabelled: DerivedSets;
}

/**
 * The rules compiled once; which rules apply to a metric name is worked out the first time the name is
 * seen and remembered, so a regular expression runs once per distinct name, not once per point.
 */
export class RuleSet {
  private readonly compiled: { rule: RenameRule; index: number; name: RegExp | undefined; labelTests: LabelTests }[];
  private readonly byName = new Map<string, Candidate[]>();

  constructor(config: RenameConfig) {
    this.compiled = config.metrics.map((rule, index) => ({
      rule,
      index,
      name: rule.match !== undefined ? new RegExp(rule.match) : undefined,
      labelTests: compileLabelTests(rule.match_labels ?? {}),
    }));
  }

  candidates(name: string): Candidate[] {
    let found = this.byName.get(name);
    if (found) return found;
    found = [];
    for (const c of this.compiled) {
      if (c.rule.from !== undefined) {
        if (c.rule.from === name) found.push({ rule: c.rule, index: c.index, to: c.rule.to ?? name, histogramCount: c.rule.histogram_count, labelTests: c.labelTests, relabelled: new DerivedSets() });
        continue;
      }
      const m = c.name!.exec(name);
      if (!m) continue;
      const fill = (template: string) => template.replace(/\$(\d+)/g, (_s, n: string) => m[Number(n)] ?? '');
      found.push({ rule: c.rule, index: c.index, to: c.rule.to !== undefined ? fill(c.rule.to) : name, histogramCount: c.rule.histogram_count !== undefined ? fill(c.rule.histogram_count) : undefined, labelTests: c.labelTests, relabelled: new DerivedSets() });
    }
    if (this.byName.size < 10_000) this.byName.set(name, found);
    return found;
  }
}
