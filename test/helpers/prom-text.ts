import type { Sample } from '../../src/dashboards/exposition.ts';

export { parseExposition, type Sample } from '../../src/dashboards/exposition.ts';

/** The samples named `name` whose labels include every one of `labels`. */
export function find(samples: Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The single value of `name{labels}`; throws if there is not exactly one. */
export function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = find(samples, name, labels);
  if (found.length !== 1) throw new Error(`expected one ${name}${JSON.stringify(labels)}, found ${found.length}`);
  return found[0]!.value;
}
