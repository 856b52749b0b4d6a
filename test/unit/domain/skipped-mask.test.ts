import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  decodeSkipped,
  deliveredMark,
  encodeSkipped,
  skippedOfMark,
} from '../../../shared/domain/skipped-mask.ts';
import { testChunk } from '../../helpers/chunks.ts';

describe('the skipped mask', () => {
  it('property: reads back exactly who was skipped, in the chunk’s order', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 20 }), {
          minLength: 1,
          maxLength: 1000,
        }),
        fc.infiniteStream(fc.boolean()),
        (accessorIds, picks) => {
          const skipped = accessorIds.filter(() => picks.next().value);
          const mask = encodeSkipped(accessorIds, [...skipped].reverse());
          assert.deepEqual(decodeSkipped(accessorIds, mask), skipped);
        },
      ),
    );
  });

  it('takes 168 characters for a chunk of 1000, however long the IDs', () => {
    const accessorIds = Array.from({ length: 1000 }, (_, index) => `${'x'.repeat(240)}-${index}`);

    assert.equal(encodeSkipped(accessorIds, accessorIds).length, 168);
  });

  it('marks a chunk with the list and the mask, and reads the mask when the list did not travel', () => {
    const chunk = testChunk(1, { accessorIds: ['a', 'b', 'c', 'd'] });
    const mark = deliveredMark(7, chunk, ['b', 'd']);

    assert.deepEqual(mark.skippedIds, ['b', 'd']);
    assert.deepEqual(
      skippedOfMark({ at: 7, skippedIds: [], skippedMask: mark.skippedMask }, chunk),
      ['b', 'd'],
    );
    assert.deepEqual(skippedOfMark({ at: 7, skippedIds: ['a'] }, chunk), ['a']);
    assert.deepEqual(deliveredMark(7, chunk, []), { at: 7, skippedIds: [] });
  });
});
