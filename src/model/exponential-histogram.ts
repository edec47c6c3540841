import type { ExponentialBuckets, ExponentialHistogramDataPoint } from './metrics.ts';

/** The bucket layout and totals of an exponential histogram, as held by the cumulative state. */
export interface ExponentialValue {
  count: number;
  sum: number;
  scale: number;
  zeroCount: number;
  zeroThreshold: number;
  positive: ExponentialBuckets;
  negative: ExponentialBuckets;
}

/** The spec's lowest scale (base 2^1024); nothing is downscaled past it. */
const MIN_SCALE = -10;

/** A private copy of a point's layout, so accumulating never writes into the pipeline's data. */
export function exponentialValue(p: ExponentialHistogramDataPoint): ExponentialValue {
  return {
    count: p.count,
    sum: p.sum ?? 0,
    scale: p.scale,
    zeroCount: p.zeroCount,
    zeroThreshold: p.zeroThreshold,
    positive: { offset: p.positive.offset, bucketCounts: [...p.positive.bucketCounts] },
    negative: { offset: p.negative.offset, bucketCounts: [...p.negative.bucketCounts] },
  };
}

/**
 * Adds a delta point into `acc`, as the SDK specification merges exponential histograms: both go to
 * the lower of their scales, lowered further (each step merges pairs of buckets, `index >> 1`) until
 * the union of their bucket ranges fits `maxBuckets`; the wider zero threshold wins and absorbs the
 * buckets entirely inside it. No count is ever lost; only resolution is.
 */
export function mergeExponential(acc: ExponentialValue, p: ExponentialHistogramDataPoint, maxBuckets: number): void {
  const add = exponentialValue(p);
  const threshold = Math.max(acc.zeroThreshold, add.zeroThreshold);
  widenZeroBucket(acc, threshold);
  widenZeroBucket(add, threshold);
  let scale = Math.min(acc.scale, add.scale);
  while (scale > MIN_SCALE && unionSpan(acc, add, scale) > maxBuckets) scale--;
  downscale(acc, acc.scale - scale);
  downscale(add, add.scale - scale);
  addBuckets(acc.positive, add.positive);
  addBuckets(acc.negative, add.negative);
  acc.count += add.count;
  acc.sum += add.sum;
  acc.zeroCount += add.zeroCount;
}

/** Lowers the scale of `v` until its buckets fit `maxBuckets` (positive and negative together). */
export function capBuckets(v: ExponentialValue, maxBuckets: number): ExponentialValue {
  let scale = v.scale;
  while (scale > MIN_SCALE && unionSpan(v, undefined, scale) > maxBuckets) scale--;
  downscale(v, v.scale - scale);
  return v;
}

/** Buckets needed for the union of `a`'s and `b`'s ranges at `scale`, both signs. */
function unionSpan(a: ExponentialValue, b: ExponentialValue | undefined, scale: number): number {
  return span([range(a.positive, a.scale - scale), b && range(b.positive, b.scale - scale)]) + span([range(a.negative, a.scale - scale), b && range(b.negative, b.scale - scale)]);
}

function range(b: ExponentialBuckets, by: number): [number, number] | undefined {
  if (b.bucketCounts.length === 0) return undefined;
  return [b.offset >> by, (b.offset + b.bucketCounts.length - 1) >> by];
}

function span(ranges: ([number, number] | undefined)[]): number {
  const present = ranges.filter((r): r is [number, number] => r !== undefined);
  if (present.length === 0) return 0;
  return Math.max(...present.map((r) => r[1])) - Math.min(...present.map((r) => r[0])) + 1;
}

/** Merges each 2^by adjacent buckets into one (`index >> by`: floor, also for negative indexes). */
function downscale(v: ExponentialValue, by: number): void {
  if (by <= 0) return;
  for (const b of [v.positive, v.negative]) {
    const r = range(b, by);
    if (!r) continue;
    const counts = new Array<number>(r[1] - r[0] + 1).fill(0);
    for (let i = 0; i < b.bucketCounts.length; i++) counts[((b.offset + i) >> by) - r[0]]! += b.bucketCounts[i]!;
    b.offset = r[0];
    b.bucketCounts = counts;
  }
  v.scale -= by;
}

/** Adds `from` into `into` (same scale), growing `into`'s range as needed. */
function addBuckets(into: ExponentialBuckets, from: ExponentialBuckets): void {
  if (from.bucketCounts.length === 0) return;
  if (into.bucketCounts.length === 0) {
    into.offset = from.offset;
    into.bucketCounts = [...from.bucketCounts];
    return;
  }
  const lo = Math.min(into.offset, from.offset);
  const hi = Math.max(into.offset + into.bucketCounts.length, from.offset + from.bucketCounts.length);
  const counts = new Array<number>(hi - lo).fill(0);
  for (let i = 0; i < into.bucketCounts.length; i++) counts[into.offset - lo + i] = into.bucketCounts[i]!;
  for (let i = 0; i < from.bucketCounts.length; i++) counts[from.offset - lo + i]! += from.bucketCounts[i]!;
  into.offset = lo;
  into.bucketCounts = counts;
}

/** Raises the zero threshold to `threshold`, moving every bucket whose magnitudes all lie within it into the zero count. */
function widenZeroBucket(v: ExponentialValue, threshold: number): void {
  if (threshold <= v.zeroThreshold) return;
  for (const b of [v.positive, v.negative]) {
    let moved = 0;
    while (moved < b.bucketCounts.length && upperBound(v.scale, b.offset + moved) <= threshold) moved++;
    if (moved === 0) continue;
    for (let i = 0; i < moved; i++) v.zeroCount += b.bucketCounts[i]!;
    b.bucketCounts = b.bucketCounts.slice(moved);
    b.offset += moved;
  }
  v.zeroThreshold = threshold;
}

/** The upper bound of bucket `index` at `scale`: 2^((index+1)/2^scale), exact at powers of two. */
export function upperBound(scale: number, index: number): number {
  return 2 ** ((index + 1) / 2 ** scale);
}

/*
 * The same bucket arithmetic over counts keyed by bucket index, for merges that gather many points
 * before laying them out again (point aggregation, the cardinality processor's overflow sums).
 */

/** `b`'s counts by bucket index, `by` scales coarser: index i becomes i >> by. */
export function countsByIndex(b: ExponentialBuckets, by: number): Map<number, number> {
  const out = new Map<number, number>();
  b.bucketCounts.forEach((c, i) => {
    const idx = (b.offset + i) >> by;
    out.set(idx, (out.get(idx) ?? 0) + c);
  });
  return out;
}

/** Counts by index re-indexed `by` scales coarser: index i becomes i >> by. */
export function coarser(m: Map<number, number>, by: number): Map<number, number> {
  if (by === 0) return m;
  const out = new Map<number, number>();
  for (const [i, c] of m) out.set(i >> by, (out.get(i >> by) ?? 0) + c);
  return out;
}

/** Adds `from`'s counts into `into`, index by index. */
export function addCounts(into: Map<number, number>, from: Map<number, number>): void {
  for (const [k, c] of from) into.set(k, (into.get(k) ?? 0) + c);
}

/** `a − b` index by index, as a new map; undefined when any count of `b` exceeds `a`'s (a reset, not an increase). */
export function subtractCounts(a: Map<number, number>, b: Map<number, number>): Map<number, number> | undefined {
  const out = new Map(a);
  for (const [i, c] of b) {
    const left = (out.get(i) ?? 0) - c;
    if (left < 0) return undefined;
    out.set(i, left);
  }
  return out;
}

/**
 * Bucket counts gathered from points of several scales, held at the coarsest scale added so far: finer
 * counts go in `index >> (their scale − this scale)`; coarser ones first lower what is already held.
 * Both SDK-style merges that gather many points before laying them out again use it.
 */
export class CountsAtCoarsest {
  positive = new Map<number, number>();
  negative = new Map<number, number>();

  /** `scale`: where to start, when the coarsest scale to come is known (nothing is then ever lowered). */
  constructor(public scale: number | undefined = undefined) {}

  /** Adds counts by index taken at `scale`. */
  add(positive: Map<number, number>, negative: Map<number, number>, scale: number): void {
    const at = this.lowerTo(scale);
    addCounts(this.positive, coarser(positive, scale - at));
    addCounts(this.negative, coarser(negative, scale - at));
  }

  /** Adds a point's buckets, read straight at this scale (one map a sign). */
  addPoint(p: { scale: number; positive: ExponentialBuckets; negative: ExponentialBuckets }): void {
    const at = this.lowerTo(p.scale);
    addCounts(this.positive, countsByIndex(p.positive, p.scale - at));
    addCounts(this.negative, countsByIndex(p.negative, p.scale - at));
  }

  /** Lowers what is held to `scale` if that is coarser (or nothing is held yet); the scale now held. */
  private lowerTo(scale: number): number {
    if (this.scale === undefined || scale < this.scale) {
      const by = this.scale === undefined ? 0 : this.scale - scale;
      this.positive = coarser(this.positive, by);
      this.negative = coarser(this.negative, by);
      this.scale = scale;
    }
    return this.scale;
  }
}

/** Counts by index laid out as buckets from the lowest index to the highest (offset 0 when empty). */
export function toBuckets(m: Map<number, number>): ExponentialBuckets {
  if (m.size === 0) return { offset: 0, bucketCounts: [] };
  const keys = [...m.keys()];
  const lo = Math.min(...keys);
  const hi = Math.max(...keys);
  const bucketCounts = new Array<number>(hi - lo + 1).fill(0);
  for (const [k, c] of m) bucketCounts[k - lo] = c;
  return { offset: lo, bucketCounts };
}
