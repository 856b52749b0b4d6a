import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { uniqueStrings } from '../../../shared/domain/unique-strings.ts';
import { fnv1a } from '../../../shared/lib/fnv1a.ts';

describe('uniqueStrings', () => {
  it('keeps the first occurrence of each string, in order', () => {
    assert.deepEqual(uniqueStrings(['b', 'a', 'b', '', 'a', '']), ['b', 'a', '']);
  });

  it('keeps two different strings whose hashes collide', () => {
    // 'id-5pvu' and 'id-c3ea' share a 32-bit FNV-1a hash, so they land in one probe chain.
    assert.equal(fnv1a('id-5pvu'), fnv1a('id-c3ea'));
    assert.deepEqual(uniqueStrings(['id-5pvu', 'id-c3ea', 'id-5pvu', 'id-c3ea']), [
      'id-5pvu',
      'id-c3ea',
    ]);
  });

  it('returns a new array, also when nothing repeats', () => {
    const values = ['a', 'b', 'c'];
    const unique = uniqueStrings(values);
    assert.deepEqual(unique, values);
    assert.notEqual(unique, values);
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
