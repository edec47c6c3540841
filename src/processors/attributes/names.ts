import { relabelNames, type NameFlow } from '../../component/name-flow.ts';
import { metricNameFilter } from '../match/metric-name-matcher.ts';
import type { AttributesConfig } from './config.ts';

/**
 * The attributes processor's names: unchanged; on the metrics in its scope, `insert` and `upsert` add
 * their label and `delete` of a key removes it (a pattern's deletions are not counted: a label it
 * removes is then only thought possible, never wrongly missing).
 */
export function attributesNames(config: AttributesConfig, input: NameFlow): NameFlow {
  const inScope = metricNameFilter(config.include, config.exclude);
  return relabelNames(input, (name, labels) => {
    if (!inScope(name)) return labels;
    const out = new Set(labels);
    for (const a of config.actions) {
      if ((a.action === 'insert' || a.action === 'upsert') && a.key) out.add(a.key);
      if (a.action === 'delete' && a.key) out.delete(a.key);
    }
    return out;
  });
}
