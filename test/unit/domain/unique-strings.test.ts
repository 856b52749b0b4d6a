import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { uniqueStrings } from '../../../shared/domain/unique-strings.ts';

describe('uniqueStrings', () => {
  it('keeps the first occurrence of each string, in order', () => {
    assert.deepEqual(uniqueStrings(['b', 'a', 'b', '', 'a', '']), ['b', 'a', '']);
  });

  it('property: equals the distinct values of a Set, in insertion order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 6, unit: 'binary' }), { maxLength: 500 }),
        (values) => {
          const withRepeats = [...values, ...values.slice(0, values.length / 2)];
          assert.deepEqual(uniqueStrings(withRepeats), [...new Set(withRepeats)]);
        },
      ),
      { numRuns: 500 },
    );
  });
});
