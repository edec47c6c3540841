import { describe, expect, it } from 'vitest';
import { addCounts, coarser, countsByIndex, CountsAtCoarsest, subtractCounts, toBuckets } from '../../src/model/exponential-histogram.ts';

describe('exponential bucket counts by index', () => {
  it('reads buckets by index, merging pairs per scale step down (floor, negative indexes too)', () => {
    const b = { offset: -3, bucketCounts: [1, 2, 3, 4] }; // indexes -3, -2, -1, 0
    expect([...countsByIndex(b, 0)]).toEqual([[-3, 1], [-2, 2], [-1, 3], [0, 4]]);
    expect([...countsByIndex(b, 1)]).toEqual([[-2, 1], [-1, 5], [0, 4]]); // -3 >> 1 = -2; -2 and -1 >> 1 = -1
    expect([...coarser(countsByIndex(b, 0), 1)]).toEqual([...countsByIndex(b, 1)]);
  });

  it('adds and subtracts index by index, and refuses a subtraction that would go below zero', () => {
    const a = new Map([[1, 5], [2, 3]]);
    addCounts(a, new Map([[2, 1], [4, 2]]));
    expect([...a]).toEqual([[1, 5], [2, 4], [4, 2]]);
    expect([...subtractCounts(a, new Map([[1, 5], [4, 1]]))!]).toEqual([[1, 0], [2, 4], [4, 1]]);
    expect(subtractCounts(a, new Map([[3, 1]]))).toBeUndefined();
    expect([...a]).toEqual([[1, 5], [2, 4], [4, 2]]);
  });

  it('lays counts out from the lowest index, filling gaps with zeros', () => {
    expect(toBuckets(new Map([[4, 2], [1, 5]]))).toEqual({ offset: 1, bucketCounts: [5, 0, 0, 2] });
    expect(toBuckets(new Map())).toEqual({ offset: 0, bucketCounts: [] });
  });

  it('gathers counts of several scales at the coarsest one added, lowering what it held when a coarser one comes', () => {
    const c = new CountsAtCoarsest();
    c.addPoint({ scale: 2, positive: { offset: 4, bucketCounts: [1, 1, 1, 1] }, negative: { offset: 0, bucketCounts: [] } }); // 4..7
    expect(c.scale).toBe(2);
    c.add(new Map([[1, 10]]), new Map([[-1, 2]]), 1); // 4..7 at scale 2 are 2, 2, 3, 3 at scale 1
    expect(c.scale).toBe(1);
    expect([...c.positive]).toEqual([[2, 2], [3, 2], [1, 10]]);
    expect([...c.negative]).toEqual([[-1, 2]]);
    c.addPoint({ scale: 3, positive: { offset: 8, bucketCounts: [5] }, negative: { offset: 0, bucketCounts: [] } }); // 8 >> 2 = 2
    expect(c.scale).toBe(1);
    expect(toBuckets(c.positive)).toEqual({ offset: 1, bucketCounts: [10, 7, 2] });
  });

  it('starts at a given scale, so points no coarser are read straight at it', () => {
    const c = new CountsAtCoarsest(0);
    c.addPoint({ scale: 1, positive: { offset: 0, bucketCounts: [1, 2, 3] }, negative: { offset: -2, bucketCounts: [4, 5] } });
    expect(c.scale).toBe(0);
    expect(toBuckets(c.positive)).toEqual({ offset: 0, bucketCounts: [3, 3] });
    expect(toBuckets(c.negative)).toEqual({ offset: -1, bucketCounts: [9] });
  });
});
