import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { groupsOf } from '../../../shared/lib/groups-of.ts';

describe('groupsOf', () => {
  it('cuts items into groups of the size, the last one shorter', () => {
    const items = Array.from({ length: 25 }, (_, index) => index);

    const groups = groupsOf(items, 10);

    assert.deepEqual(
      groups.map((group) => group.length),
      [10, 10, 5],
    );
  });

  it('returns no groups for no items', () => {
    assert.deepEqual(groupsOf([], 10), []);
  });

  it('throws RangeError for a size that is not a whole number of at least 1', () => {
    for (const size of [0, -1, 2.5, Number.NaN]) {
      assert.throws(() => groupsOf([1, 2, 3], size), RangeError, `size ${size}`);
    }
  });

  it('property: keeps every item in order, every group full but the last', () => {
    fc.assert(
      fc.property(fc.array(fc.integer()), fc.integer({ min: 1, max: 30 }), (items, size) => {
        const groups = groupsOf(items, size);

        assert.deepEqual(groups.flat(), items);
        assert.equal(groups.length, Math.ceil(items.length / size));
        for (const group of groups.slice(0, -1)) assert.equal(group.length, size);
        const last = groups.at(-1);
        if (last !== undefined) assert.ok(last.length >= 1 && last.length <= size);
      }),
    );
  });
});
