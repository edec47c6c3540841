import type { Attributes } from '../../model/common.ts';
import type { ExponentialHistogramDataPoint } from '../../model/metrics.ts';
import { CountsAtCoarsest, countsByIndex, subtractCounts, toBuckets } from '../../model/exponential-histogram.ts';
import { Span, type Accumulator, type LastPoint, type Point } from './accumulator.ts';

/** An exponential histogram's counts by bucket index at one scale. */
interface Counts {
  positive: Map<number, number>;
  negative: Map<number, number>;
  zero: number;
  count: number;
  sum: number;
}

function countsAt(p: ExponentialHistogramDataPoint, scale: number): Counts {
  return { positive: countsByIndex(p.positive, p.scale - scale), negative: countsByIndex(p.negative, p.scale - scale), zero: p.zeroCount, count: p.count, sum: p.sum ?? 0 };
}

/** `cur − prev` at one scale, or undefined when any count went down (a reset). */
function increase(cur: Counts, prev: Counts): Counts | undefined {
  const positive = subtractCounts(cur.positive, prev.positive);
  const negative = subtractCounts(cur.negative, prev.negative);
  if (!positive || !negative || cur.zero < prev.zero || cur.count < prev.count) return undefined;
  return { positive, negative, zero: cur.zero - prev.zero, count: cur.count - prev.count, sum: cur.sum - prev.sum };
}

/**
 * Exponential histograms merged natively, bucket by bucket, at the coarsest scale any member used (as
 * the SDK downscales): cumulative members add their increases, delta members add up within a batch.
 */
export class ExponentialSum implements Accumulator {
  private buckets = new CountsAtCoarsest();
  private totals = { zero: 0, count: 0, sum: 0 };
  private zeroThreshold = 0;
  private readonly span = new Span();

  constructor(private readonly cumulative: boolean) {}

  accepts(): boolean {
    return true;
  }

  add(p: Point, m: LastPoint | undefined): void {
    const cur = p as ExponentialHistogramDataPoint;
    const prev = this.cumulative ? (m?.last as ExponentialHistogramDataPoint | undefined) : undefined;
    let scale = cur.scale;
    let inc: Counts | undefined;
    if (prev !== undefined && prev.startTimeUnixNano === cur.startTimeUnixNano) {
      scale = Math.min(prev.scale, cur.scale);
      inc = increase(countsAt(cur, scale), countsAt(prev, scale));
    }
    if (!inc) {
      scale = cur.scale;
      inc = countsAt(cur, scale);
    }
    this.addAt(inc, scale);
    this.zeroThreshold = Math.max(this.zeroThreshold, cur.zeroThreshold);
    if (m && this.cumulative) m.last = cur;
    this.span.stamp(p, this.cumulative);
  }

  seed(from: LastPoint): void {
    const h = from.last as ExponentialHistogramDataPoint | undefined;
    if (!h || !this.cumulative) return;
    this.addAt(countsAt(h, h.scale), h.scale);
    this.zeroThreshold = h.zeroThreshold;
    this.span.startNs = h.startTimeUnixNano;
  }

  flush(attributes: Attributes): ExponentialHistogramDataPoint | undefined {
    const span = this.span.take(!this.cumulative);
    if (!span) return undefined;
    const b = this.buckets;
    const t = this.totals;
    const point: ExponentialHistogramDataPoint = { attributes, ...span, count: t.count, sum: t.sum, scale: b.scale!, zeroCount: t.zero, zeroThreshold: this.zeroThreshold, positive: toBuckets(b.positive), negative: toBuckets(b.negative) };
    if (!this.cumulative) {
      this.buckets = new CountsAtCoarsest();
      this.totals = { zero: 0, count: 0, sum: 0 };
    }
    return point;
  }

  private addAt(inc: Counts, scale: number): void {
    this.buckets.add(inc.positive, inc.negative, scale);
    const t = this.totals;
    t.zero += inc.zero;
    t.count += inc.count;
    t.sum += inc.sum;
  }
}
