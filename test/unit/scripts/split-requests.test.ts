import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  embeddedBytes,
  INVITE_REQUEST_LIMITS,
  inviteRequestBody,
  splitIntoRequests,
} from '../../../scripts/lib/split-requests.ts';

const TEXT = { title: 'Welcome', body: 'Join our space' };

function bodyBytes(ids: string[]): number {
  return embeddedBytes(inviteRequestBody(ids, TEXT.title, TEXT.body));
}

describe('embeddedBytes', () => {
  it('counts a JSON body as it sits in the Lambda event, its quotes escaped again', () => {
    const body = inviteRequestBody(['a"b', 'c\\d', 'é'], 'T', 'B');

    assert.equal(embeddedBytes(body), Buffer.byteLength(JSON.stringify(body)) - 2);
  });
});

describe('splitIntoRequests', () => {
  it('splits by count, keeping order', () => {
    const ids = Array.from({ length: 45 }, (_, index) => `id-${index}`);

    const requests = splitIntoRequests(ids, { ...TEXT, maxIds: 20, maxBytes: 1_000_000 });

    assert.deepEqual(
      requests.map((request) => request.length),
      [20, 20, 5],
    );
    assert.deepEqual(requests.flat(), ids);
  });

  it('splits by bytes, filling each request as far as the limit allows', () => {
    const ids = Array.from({ length: 100 }, (_, index) => `person-${index}@example.com`);
    const maxBytes = 500;

    const requests = splitIntoRequests(ids, { ...TEXT, maxIds: 1000, maxBytes });

    assert.ok(requests.length > 1);
    assert.deepEqual(requests.flat(), ids);
    for (const [index, request] of requests.entries()) {
      assert.ok(bodyBytes(request) <= maxBytes);
      const next = requests[index + 1]?.[0];
      if (next !== undefined) assert.ok(bodyBytes([...request, next]) > maxBytes);
    }
  });

  it('counts quotes and backslashes in IDs twice over', () => {
    const plain = splitIntoRequests(['aaaa', 'bbbb'], {
      ...TEXT,
      maxIds: 10,
      maxBytes: bodyBytes(['aaaa', 'bbbb']),
    });
    const quoted = splitIntoRequests(['a"a"', 'b\\b\\'], {
      ...TEXT,
      maxIds: 10,
      maxBytes: bodyBytes(['aaaa', 'bbbb']),
    });

    assert.equal(plain.length, 1);
    assert.equal(quoted.length, 2);
  });

  it('keeps 20,000 IDs of 256 characters under the default byte limit', () => {
    const ids = Array.from({ length: 20_000 }, (_, index) => String(index).padStart(256, 'x'));

    const requests = splitIntoRequests(ids, {
      ...TEXT,
      maxIds: INVITE_REQUEST_LIMITS.idsPerRequest,
      maxBytes: INVITE_REQUEST_LIMITS.maxRequestBytes,
    });

    assert.equal(requests.length, 2);
    for (const request of requests) {
      assert.ok(bodyBytes(request) <= INVITE_REQUEST_LIMITS.maxRequestBytes);
    }
  });

  it('throws RangeError when one ID alone does not fit', () => {
    assert.throws(
      () => splitIntoRequests(['x'.repeat(200)], { ...TEXT, maxIds: 10, maxBytes: 100 }),
      RangeError,
    );
  });

  it('property: keeps every ID in order within both limits', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 30, unit: 'binary' }), { maxLength: 200 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 500, max: 3000 }),
        (ids, maxIds, maxBytes) => {
          const requests = splitIntoRequests(ids, { ...TEXT, maxIds, maxBytes });
          assert.deepEqual(requests.flat(), ids);
          for (const request of requests) {
            assert.ok(request.length >= 1 && request.length <= maxIds);
            assert.ok(bodyBytes(request) <= maxBytes);
          }
        },
      ),
    );
  });
});
