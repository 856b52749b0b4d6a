import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type PackLimits, pack } from '../../../shared/lib/pack.ts';

const sizeOf = (item: string) => item.length;

function groupBytes(group: readonly string[], limits: PackLimits<string>): number {
  const items = group.reduce((sum, item) => sum + limits.sizeOf(item), 0);
  return limits.fixedBytes + items + limits.separatorBytes * (group.length - 1);
}

/** Ten items of at most 40 bytes a group, nothing else counted. */
const LIMITS: PackLimits<string> = {
  maxCount: 10,
  maxBytes: 40,
  fixedBytes: 0,
  separatorBytes: 0,
  sizeOf,
};

const itemsArbitrary = fc.array(fc.string({ maxLength: 20 }), { maxLength: 200 });
const limitsArbitrary = fc
  .record({
    maxCount: fc.integer({ min: 1, max: 20 }),
    maxBytes: fc.integer({ min: 30, max: 300 }),
    fixedBytes: fc.integer({ min: 0, max: 10 }),
    separatorBytes: fc.integer({ min: 0, max: 3 }),
  })
  .map((bounds): PackLimits<string> => ({ ...bounds, sizeOf }));

describe('pack', () => {
  it('fills each group up to the count', () => {
    const items = Array.from({ length: 25 }, (_, index) => `i${index}`);

    const groups = pack(items, { ...LIMITS, maxBytes: 1e9 });

    assert.deepEqual(
      groups.map((group) => group.length),
      [10, 10, 5],
    );
  });

  it('counts the fixed bytes once a group and a separator between items', () => {
    const limits = { ...LIMITS, maxBytes: 19, fixedBytes: 2, separatorBytes: 1 };

    const groups = pack(['aaaa', 'bbbb', 'cccc', 'dddd'], limits);

    assert.deepEqual(groups, [['aaaa', 'bbbb', 'cccc'], ['dddd']]);
  });

  it('returns no groups for no items', () => {
    const groups = pack([], LIMITS);

    assert.deepEqual(groups, []);
  });

  it('throws RangeError with the caller message when one item alone cannot fit', () => {
    const limits = {
      ...LIMITS,
      fixedBytes: 5,
      oversized: (bytes: number) => `${bytes} bytes alone`,
    };

    assert.throws(() => pack(['ok', 'x'.repeat(50)], limits), {
      name: 'RangeError',
      message: '55 bytes alone',
    });
  });

  it('throws RangeError with its own message when the caller gives none', () => {
    assert.throws(() => pack(['x'.repeat(50)], LIMITS), {
      name: 'RangeError',
      message: 'A group of one item takes 50 bytes, over the 40-byte limit',
    });
  });

  it('puts an oversized item in a group of its own when asked to', () => {
    const groups = pack(['a', 'x'.repeat(50), '', 'b'], { ...LIMITS, oversized: 'alone' });

    assert.deepEqual(groups, [['a'], ['x'.repeat(50)], ['', 'b']]);
  });

  it('throws RangeError when a group may hold no item', () => {
    assert.throws(() => pack(['a'], { ...LIMITS, maxCount: 0 }), RangeError);
  });

  it('property: every item lands once, in order, in groups within both limits', () => {
    fc.assert(
      fc.property(itemsArbitrary, limitsArbitrary, (items, limits) => {
        const groups = pack(items, limits);

        assert.deepEqual(groups.flat(), items);
        for (const group of groups) {
          assert.ok(group.length >= 1 && group.length <= limits.maxCount);
          assert.ok(groupBytes(group, limits) <= limits.maxBytes);
        }
      }),
    );
  });

  it('property: no group could have taken the next group’s first item (the fewest groups)', () => {
    fc.assert(
      fc.property(itemsArbitrary, limitsArbitrary, (items, limits) => {
        const groups = pack(items, limits);

        for (const [index, group] of groups.entries()) {
          const next = groups[index + 1]?.[0];
          if (next === undefined) continue;
          const grown = [...group, next];
          assert.ok(grown.length > limits.maxCount || groupBytes(grown, limits) > limits.maxBytes);
        }
      }),
    );
  });

  it('property: throws RangeError exactly when some item alone is over the limit', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 80 }), { maxLength: 50 }),
        limitsArbitrary,
        (items, limits) => {
          const tooBig = items.some((item) => limits.fixedBytes + item.length > limits.maxBytes);

          const act = () => pack(items, limits);

          if (tooBig) assert.throws(act, RangeError);
          else assert.doesNotThrow(act);
        },
      ),
    );
  });
});
