import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { requestFingerprint } from '../../../shared/domain/idempotency.ts';

/** The fingerprint as specified: the header, then a newline and each ID, hashed one by one. */
function specified(accessorIds: string[], options: Record<string, unknown>): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(['SP1', 'Welcome', 'Join us', options]));
  for (const id of accessorIds) hash.update('\n').update(id);
  return hash.digest('base64url');
}

describe('requestFingerprint', () => {
  const request = (accessorIds: string[]) => ({
    spaceId: 'SP1',
    title: 'Welcome',
    body: 'Join us',
    accessorIds,
  });

  it('hashes the same bytes whatever the length of the list, so a stored key still matches', () => {
    for (const count of [0, 1, 999, 1_000, 1_001, 2_500]) {
      const ids = Array.from({ length: count }, (_, index) => `p-${index}@example.com`);
      assert.equal(
        requestFingerprint(request(ids), { resend: false }),
        specified(ids, { resend: false }),
        `${count} IDs`,
      );
    }
  });

  it('tells apart lists that differ in order, in one ID or in where IDs split', () => {
    const ids = Array.from({ length: 1_500 }, (_, index) => `p-${index}`);
    const fingerprints = new Set([
      requestFingerprint(request(ids)),
      requestFingerprint(request([...ids].reverse())),
      requestFingerprint(request([...ids.slice(0, -1), 'p-other'])),
      requestFingerprint(request(['p-1p-2'])),
      requestFingerprint(request(['p-1', 'p-2'])),
      requestFingerprint(request(ids), { resend: true }),
    ]);
    assert.equal(fingerprints.size, 6);
  });
});
