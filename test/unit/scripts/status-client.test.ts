import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sendUnsigned } from '../../../scripts/lib/sign-request.ts';
import { getRequestStatus } from '../../../scripts/lib/status-client.ts';

/** An endpoint whose every call fails as fetch fails when the connection does, with `code`. */
function failingWith(code: string) {
  return {
    baseUrl: new URL('http://api.example.invalid'),
    sign: sendUnsigned,
    timeoutMs: 1_000,
    fetch: async () => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) });
    },
  };
}

describe('getRequestStatus without an answer', () => {
  it('gives up on a host that does not resolve, and tries again after a dropped connection', async () => {
    const mistyped = await getRequestStatus(failingWith('ENOTFOUND'), 'R1');
    const dropped = await getRequestStatus(failingWith('ECONNRESET'), 'R1');

    assert.deepEqual(
      [mistyped.kind, mistyped.kind === 'error' && mistyped.retryable],
      ['error', false],
    );
    assert.match(mistyped.kind === 'error' ? mistyped.message : '', /check --url/);
    assert.deepEqual(
      [dropped.kind, dropped.kind === 'error' && dropped.retryable],
      ['error', true],
    );
  });
});
