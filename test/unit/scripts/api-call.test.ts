import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeFetchFailure } from '../../../scripts/lib/api-call.ts';

/** What fetch throws when the connection fails: "fetch failed", the reason in its cause. */
function fetchFailed(code: string): TypeError {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) });
}

describe('describeFetchFailure', () => {
  it('asks whether npm start is running when nothing listens on this machine', () => {
    assert.equal(
      describeFetchFailure(
        fetchFailed('ECONNREFUSED'),
        new URL('http://127.0.0.1:3000/requests/x'),
      ),
      'network error: ECONNREFUSED (nothing listens at http://127.0.0.1:3000: is npm start running?)',
    );
  });

  it('names only the error for a remote API, and a timeout as such', () => {
    const remote = new URL('https://abc123.execute-api.us-east-1.amazonaws.com/requests/x');
    const timeout = Object.assign(new Error('timed out'), { name: 'TimeoutError' });

    assert.equal(
      describeFetchFailure(fetchFailed('ECONNREFUSED'), remote),
      'network error: ECONNREFUSED',
    );
    assert.equal(describeFetchFailure(timeout, remote), 'no answer in time');
  });

  it('says to check --url when the host name does not resolve', () => {
    const mistyped = new URL('https://abc123.execute-api.us-east-1.amazonaws.con/requests/x');

    assert.equal(
      describeFetchFailure(fetchFailed('ENOTFOUND'), mistyped),
      'network error: ENOTFOUND (no host is named abc123.execute-api.us-east-1.amazonaws.con: check --url)',
    );
  });
});
