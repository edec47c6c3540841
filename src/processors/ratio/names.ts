import { addKnown, type NameFlow } from '../../component/name-flow.ts';
import type { RatioConfig } from './config.ts';

/**
 * The ratio processor's names: its input, and each ratio's gauge, labelled `by` (default: the labels
 * both operands carry, when the config tells them).
 */
export function ratioNames(config: RatioConfig, input: NameFlow): NameFlow {
  const known = new Map(input.known);
  for (const r of config.ratios) {
    const num = input.known.get(r.numerator.metric);
    const den = input.known.get(r.denominator.metric);
    addKnown(known, r.name, r.by ? new Set(r.by) : num && den ? new Set([...num].filter((l) => den.has(l))) : undefined);
  }
  return { known, open: input.open };
}
