import type { Attributes } from '../../model/common.ts';
import { attributesKey, seriesKey } from '../../model/series-key.ts';
import { compileLabelTests, labelsMatch, type LabelTests } from '../match/label-match.ts';
import type { RatioDefinition } from './config.ts';
import { SeriesHistory } from './series-history.ts';

/** A resource points came from, interned: its series keys use `id`, and `identity` names its service. */
export interface Origin {
  id: number;
  /** `service.name` and `service.namespace`: what Prometheus's `job` is made of, and nothing per instance. */
  identity: Attributes;
  seenAtMs: number;
  /** Where this resource's points came from (src/consumer/origin.ts); distinct from the resource itself. */
  from: string | undefined;
}

/** One `by` label set: the series summed into its ratio. */
export interface Group {
  attributes: Attributes;
  /** Arrays, not Sets: an array slot is 8 B a series, a Set entry several times that (the ratio's B/series). */
  numerators: RatioSeries[];
  denominators: RatioSeries[];
  /** The identity every resource that fed the group shares: the resource the ratio is emitted under. */
  resource: Attributes;
  resourceKey: string;
}

/**
 * One numerator or denominator series of one resource (which side: its key's first letter, `n` or `d`,
 * and which resource: its key's number, not fields: every field is 8 B of each of up to a million series).
 */
export class RatioSeries extends SeriesHistory<Group> {}

/** A series of a ratio with the default `by`: it keeps its labels and resource, to regroup when the labels both sides carry change. */
class LearningRatioSeries extends RatioSeries {
  constructor(
    readonly origin: Origin,
    readonly attributes: Attributes,
  ) {
    super();
  }
}

/** The state of one ratio: its input series, grouped by its `by` labels. */
export class RatioState {
  readonly series = new Map<string, RatioSeries>();
  private groups = new Map<string, Group>();
  /** The `by` labels: configured, or those both sides carry (undefined until both were seen). */
  private by: string[] | undefined;
  private readonly labelsSeen = { numerator: new Set<string>(), denominator: new Set<string>() };
  private readonly sidesSeen = { numerator: false, denominator: false };
  private readonly tests: { numerator: LabelTests; denominator: LabelTests };
  /** Groups that took new series since the last `settle()`. */
  private readonly grown = new Set<Group>();
  /**
   * Each resource's series of each side by the attribute object a point carries: the decoder gives a
   * series the same object request after request, so a known series is found without building its key
   * (and by resource, so a series needs no field naming its resource). Renewed when a sweep forgets
   * series, so it never hands out a forgotten one.
   */
  private bySet = new WeakMap<Origin, { numerator: WeakMap<Attributes, RatioSeries>; denominator: WeakMap<Attributes, RatioSeries> }>();

  constructor(readonly def: RatioDefinition) {
    this.by = def.by;
    this.tests = { numerator: compileLabelTests(def.numerator.match_labels), denominator: compileLabelTests(def.denominator.match_labels) };
  }

  /** Whether a point's labels pass the side's `match_labels`. */
  matches(numerator: boolean, attributes: Attributes): boolean {
    return labelsMatch(numerator ? this.tests.numerator : this.tests.denominator, attributes);
  }

  /** The series a point belongs to; a new one only if `room()` allows. */
  seriesOf(numerator: boolean, origin: Origin, attributes: Attributes, room: () => boolean): RatioSeries | undefined {
    let sides = this.bySet.get(origin);
    if (sides === undefined) this.bySet.set(origin, (sides = { numerator: new WeakMap(), denominator: new WeakMap() }));
    const bySet = numerator ? sides.numerator : sides.denominator;
    let s = bySet.get(attributes);
    if (s !== undefined) return s;
    if (this.def.by === undefined) this.learn(numerator, attributes);
    // Joined, not a template: a flat string, a third of a concatenated one's memory.
    // The series key starts with a quote (or is empty): nothing between the number and it is needed.
    const key = [numerator ? 'n' : 'd', origin.id, seriesKey(attributes)].join('');
    s = this.series.get(key);
    if (s === undefined) {
      if (!room()) return undefined;
      s = this.def.by === undefined ? new LearningRatioSeries(origin, attributes) : new RatioSeries();
      this.series.set(key, s);
      if (this.by) this.assign(s, numerator, origin, attributes);
    }
    bySet.set(attributes, s);
    return s;
  }

  /** Σ increase(numerators) ÷ Σ increase(denominators) over the window ending at `endNs`, scaled; undefined without a denominator increase. */
  ratio(g: Group, endNs: number, windowNs: number): number | undefined {
    let den = 0;
    for (const s of g.denominators) den += s.increase(endNs, windowNs);
    if (!(den > 0)) return undefined;
    let num = 0;
    for (const s of g.numerators) num += s.increase(endNs, windowNs);
    return (this.def.scale * num) / den;
  }

  /** Forgets series unseen since `beforeMs`; returns how many. */
  sweep(beforeMs: number): number {
    return this.remove((s) => s.seenAtMs < beforeMs);
  }

  /** Forgets the series of the resources in `gone` (their origin was lost); returns how many. */
  forget(gone: ReadonlySet<Origin>): number {
    const ids = new Set([...gone].map((o) => String(o.id)));
    // A series names its resource only in its key: the number after the side's letter.
    return this.remove((_s, key) => ids.has(/^[nd](\d+)/.exec(key)![1]!));
  }

  /** Forgets the series `dead` picks, and the groups left empty; returns how many. */
  private remove(dead: (s: RatioSeries, key: string) => boolean): number {
    const removed = new Set<RatioSeries>();
    const touched = new Set<Group>();
    for (const [key, s] of this.series) {
      if (!dead(s, key)) continue;
      this.series.delete(key);
      removed.add(s);
      if (s.group) touched.add(s.group);
    }
    const live = (x: RatioSeries) => !removed.has(x);
    for (const g of touched) {
      g.numerators = g.numerators.filter(live);
      g.denominators = g.denominators.filter(live);
      if (g.numerators.length === 0 && g.denominators.length === 0) this.groups.delete(attributesKey(g.attributes));
    }
    if (removed.size > 0) this.bySet = new WeakMap();
    return removed.size;
  }

  /**
   * After a batch: the member lists of groups that grew are copied to their exact length. A pushed-to
   * array keeps up to half its length spare (≈ 4 B a series at a million); this costs a copy of a
   * group's list only in a batch that brought it new series.
   */
  settle(): void {
    for (const g of this.grown) {
      g.numerators = g.numerators.slice();
      g.denominators = g.denominators.slice();
    }
    this.grown.clear();
  }

  /** The default `by`: the labels both sides carry. Every series is regrouped when that set changes. */
  private learn(numerator: boolean, attributes: Attributes): void {
    const side = numerator ? 'numerator' : 'denominator';
    this.sidesSeen[side] = true;
    const labels = this.labelsSeen[side];
    let grew = false;
    for (const k in attributes) {
      if (labels.has(k)) continue;
      labels.add(k);
      grew = true;
    }
    if ((!grew && this.by) || !this.sidesSeen.numerator || !this.sidesSeen.denominator) return;
    const common = [...this.labelsSeen.numerator].filter((k) => this.labelsSeen.denominator.has(k)).sort();
    if (this.by && common.join('\u0000') === this.by.join('\u0000')) return;
    this.by = common;
    this.groups = new Map();
    for (const [key, s] of this.series) this.assign(s, key[0] === 'n', (s as LearningRatioSeries).origin, (s as LearningRatioSeries).attributes);
  }

  private assign(s: RatioSeries, numerator: boolean, origin: Origin, attributes: Attributes): void {
    const picked: Attributes = {};
    for (const k of this.by!) if (attributes[k] !== undefined) picked[k] = attributes[k]!;
    const key = attributesKey(picked);
    let g = this.groups.get(key);
    if (!g) this.groups.set(key, (g = { attributes: picked, numerators: [], denominators: [], resource: origin.identity, resourceKey: attributesKey(origin.identity) }));
    (numerator ? g.numerators : g.denominators).push(s);
    this.grown.add(g);
    s.group = g;
    const shared = sharedAttributes(g.resource, origin.identity);
    if (shared !== g.resource) {
      g.resource = shared;
      g.resourceKey = attributesKey(shared);
    }
  }
}

/** The attributes `a` and `b` have with equal values; `a` itself when that is all of it. */
function sharedAttributes(a: Attributes, b: Attributes): Attributes {
  let out: Attributes | undefined;
  for (const k in a) {
    if (b[k] === a[k]) continue;
    out ??= { ...a };
    delete out[k];
  }
  return out ?? a;
}
