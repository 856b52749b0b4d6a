import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { chunkAccessors } from '../../../shared/domain/chunk-accessors.ts';
import {
  decodeInviteChunk,
  encodeInviteChunk,
  planInviteChunks,
} from '../../../shared/domain/invite-chunk.ts';
import { jsonStringBytes, toQueueJson } from '../../../shared/domain/json-size.ts';

const request = {
  spaceId: 'SP1',
  title: 'Hello',
  body: 'World',
  accessorIds: [] as string[],
  resend: false,
};

describe('jsonStringBytes', () => {
  it('property: equals the UTF-8 size of the string as queue JSON', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300, unit: 'binary' }), (value) => {
        assert.equal(jsonStringBytes(value), Buffer.byteLength(toQueueJson(value)));
      }),
      { numRuns: 2000 },
    );
  });

  it('escapes the characters SQS refuses', () => {
    assert.equal(toQueueJson('a\ufffeb\uffff'), '"a\\ufffeb\\uffff"');
    assert.equal(toQueueJson('\ud800'), '"\\ud800"');
  });
});

describe('chunkAccessors', () => {
  const sizeOf = (id: string) => id.length;

  it('splits by count', () => {
    const ids = Array.from({ length: 2500 }, (_, index) => `u${index}`);

    const chunks = chunkAccessors(ids, { maxCount: 1000, maxBytes: 1e9, fixedBytes: 0, sizeOf });

    assert.deepEqual(
      chunks.map((chunk) => chunk.length),
      [1000, 1000, 500],
    );
  });

  it('splits by bytes', () => {
    const chunks = chunkAccessors(['aaaa', 'bbbb', 'cccc'], {
      maxCount: 1000,
      maxBytes: 20,
      fixedBytes: 10,
      sizeOf,
    });

    assert.deepEqual(chunks, [['aaaa', 'bbbb'], ['cccc']]);
  });

  it('throws when one ID cannot fit', () => {
    assert.throws(
      () => chunkAccessors(['x'.repeat(50)], { maxCount: 10, maxBytes: 40, fixedBytes: 0, sizeOf }),
      RangeError,
    );
  });

  it('property: every ID lands in exactly one chunk, in order, within both limits', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 30 }), { maxLength: 400 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 40, max: 400 }),
        (ids, maxCount, maxBytes) => {
          const chunks = chunkAccessors(ids, { maxCount, maxBytes, fixedBytes: 5, sizeOf });
          assert.deepEqual(chunks.flat(), ids);
          for (const chunk of chunks) {
            assert.ok(chunk.length >= 1 && chunk.length <= maxCount);
            assert.ok(5 + chunk.reduce((sum, id) => sum + id.length + 1, 0) <= maxBytes);
          }
        },
      ),
    );
  });
});

describe('planInviteChunks', () => {
  it('numbers the parts and keeps every accessor once', () => {
    const accessorIds = Array.from({ length: 2001 }, (_, index) => `user-${index}`);

    const chunks = planInviteChunks({ ...request, accessorIds }, 'req-1', 1024 * 1024);

    assert.deepEqual(
      chunks.map((chunk) => [chunk.part, chunk.parts, chunk.accessorIds.length]),
      [
        [1, 3, 1000],
        [2, 3, 1000],
        [3, 3, 1],
      ],
    );
    assert.deepEqual(
      chunks.flatMap((chunk) => chunk.accessorIds),
      accessorIds,
    );
  });

  it('property: encoded chunks never exceed the byte limit and decode to themselves', () => {
    const id = fc.string({ minLength: 1, maxLength: 256, unit: 'grapheme' });
    fc.assert(
      fc.property(
        fc.uniqueArray(id, { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 8_000, max: 60_000 }),
        (ids, max) => {
          const chunks = planInviteChunks(
            { ...request, title: 'T\ufffe😀', accessorIds: ids },
            'req',
            max,
          );
          for (const chunk of chunks) {
            const text = encodeInviteChunk(chunk);
            assert.ok(Buffer.byteLength(text) <= max, `${Buffer.byteLength(text)} > ${max}`);
            assert.deepEqual(decodeInviteChunk(text), chunk);
          }
          assert.deepEqual(
            chunks.flatMap((chunk) => chunk.accessorIds),
            ids,
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('splits 1000 long IDs that escape to six bytes a character by bytes under the SQS limit', () => {
    const accessorIds = Array.from(
      { length: 1000 },
      (_, index) => `${index}-${'\uffff'.repeat(250)}`,
    );

    const chunks = planInviteChunks({ ...request, accessorIds }, 'req', 1024 * 1024 - 8192);

    assert.equal(chunks.length, 2);
    for (const chunk of chunks)
      assert.ok(Buffer.byteLength(encodeInviteChunk(chunk)) <= 1024 * 1024 - 8192);
  });
});
