/**
 * The metric names a stage of a metrics pipeline can emit, as far as the config alone tells: what
 * `switchyard check-dashboard --pipeline` compares a dashboard with. Each component that knows its effect
 * on names declares it (`metricNames` on its factory); a processor that does not is opaque, and every name
 * after it is undecidable.
 */
export interface NameFlow {
  /**
   * Names the config makes (a rename's `to`, a ratio's `name`, …), given that their inputs arrive; each
   * with the labels its series carry, or undefined when the config does not tell them.
   */
  readonly known: ReadonlyMap<string, ReadonlySet<string> | undefined>;
  /**
   * Names no config makes that may still pass: whatever a receiver's senders emit, a regex rename's
   * output, a suffix an exporter adds by the metric's type. A name one of them admits cannot be decided
   * from the config; `why` says on what it depends.
   */
  readonly open: readonly OpenNames[];
}

export interface OpenNames {
  admits(name: string): boolean;
  why: string;
}

export const NO_NAMES: NameFlow = { known: new Map(), open: [] };

/** Any name at all, depending on `why` (a receiver's senders, an opaque processor). */
export function anyName(why: string): NameFlow {
  return { known: new Map(), open: [{ admits: () => true, why }] };
}

/** The flow unchanged: a stage that neither makes, removes nor relabels metrics (batch, memory_limiter). */
export function passNames<C>(_config: C, input: NameFlow): NameFlow {
  return input;
}

/** Whether `name` can be in the flow: made by the config, or admitted from outside it. */
export function mayCarry(flow: NameFlow, name: string): boolean {
  return flow.known.has(name) || flow.open.some((o) => o.admits(name));
}

/** Adds `name` with `labels` to `known`; two sources of one name carry either's labels (unknown wins). */
export function addKnown(known: Map<string, ReadonlySet<string> | undefined>, name: string, labels: ReadonlySet<string> | undefined): void {
  if (!known.has(name)) return void known.set(name, labels);
  const seen = known.get(name);
  known.set(name, seen && labels ? new Set([...seen, ...labels]) : undefined);
}

/** Both flows: what either pipeline (or source) emits. */
export function unionNames(flows: readonly NameFlow[]): NameFlow {
  const known = new Map<string, ReadonlySet<string> | undefined>();
  for (const f of flows) for (const [name, labels] of f.known) addKnown(known, name, labels);
  return { known, open: flows.flatMap((f) => f.open) };
}

/** Only the names `keep` accepts, made or admitted (a filter's include and exclude). */
export function filterNames(flow: NameFlow, keep: (name: string) => boolean): NameFlow {
  return {
    known: new Map([...flow.known].filter(([name]) => keep(name))),
    open: flow.open.map((o) => ({ admits: (name: string) => keep(name) && o.admits(name), why: o.why })),
  };
}

/** Every known name's labels through `relabel` (unknown labels stay unknown). */
export function relabelNames(flow: NameFlow, relabel: (name: string, labels: ReadonlySet<string>) => ReadonlySet<string>): NameFlow {
  return { known: new Map([...flow.known].map(([name, labels]) => [name, labels && relabel(name, labels)])), open: flow.open };
}
