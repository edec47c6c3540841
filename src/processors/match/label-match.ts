import type { Attributes } from '../../model/common.ts';
import { labelValue } from '../../model/attribute-value.ts';

/** A map of label name → regular expression on its value (`match_labels`, a filter's `labels`), compiled. */
export type LabelTests = readonly (readonly [string, RegExp])[];

/** Compiles a label map whose patterns the config schema (`regexMap`) already checked. */
export function compileLabelTests(patterns: Readonly<Record<string, string>>): LabelTests {
  return Object.entries(patterns).map(([label, pattern]) => [label, new RegExp(pattern)] as const);
}

/** Whether every label of `tests` is present and its value, as a string, matches (unanchored, as written). */
export function labelsMatch(tests: LabelTests, attributes: Attributes): boolean {
  for (let i = 0; i < tests.length; i++) {
    const [label, re] = tests[i]!;
    const v = attributes[label];
    if (v === undefined || !re.test(labelValue(v))) return false;
  }
  return true;
}
