import { filterNames, type NameFlow } from '../../component/name-flow.ts';
import { metricNameFilter } from '../match/metric-name-matcher.ts';
import type { FilterConfig } from './config.ts';

/** The filter processor's names: those its `metrics.include` and `exclude` let through (point filters keep names). */
export function filterProcessorNames(config: FilterConfig, input: NameFlow): NameFlow {
  const { include, exclude } = config.metrics;
  return include || exclude ? filterNames(input, metricNameFilter(include, exclude)) : input;
}
