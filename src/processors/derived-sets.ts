import type { Attributes } from '../model/common.ts';

interface Derived<C> {
  context: C;
  out: Attributes;
}

/**
 * What a stage made of an attribute set, kept across batches by the set's object, weakly (it goes when
 * the set goes). The decoders give a series the same object request after request (AttributeInterner),
 * so a stage works each set out once per series, and passes one object on too, which keeps the caches
 * after it (series keys, Prometheus label sets) hitting. `context` is what else the result depends on
 * (values taken from the resource): a hit needs an equal one.
 */
export class DerivedSets<C = undefined> {
  private readonly map = new WeakMap<Attributes, Derived<C>>();

  constructor(private readonly same: (a: C, b: C) => boolean = (a, b) => a === b) {}

  get(input: Attributes, context: C): Attributes | undefined {
    const d = this.map.get(input);
    return d !== undefined && this.same(d.context, context) ? d.out : undefined;
  }

  set(input: Attributes, context: C, out: Attributes): void {
    this.map.set(input, { context, out });
  }

  /** The kept result for `input`, or `make`'s, kept from now on. */
  derive(input: Attributes, context: C, make: (input: Attributes) => Attributes): Attributes {
    let out = this.get(input, context);
    if (out === undefined) this.set(input, context, (out = make(input)));
    return out;
  }
}
