import { describe, expect, it } from 'vitest';
import { addCounts, coarser, countsByIndex, subtractCounts, toBuckets } from '../../src/model/exponential-histogram.ts';

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
});
