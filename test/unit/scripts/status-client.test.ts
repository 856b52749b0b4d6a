import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sendUnsigned } from '../../../scripts/lib/sign-request.ts';
import { getRequestStatus } from '../../../scripts/lib/status-client.ts';
import { startDroppingServer } from '../../helpers/http-request.ts';

/**
 * An endpoint whose every call fails as fetch does when DNS knows no such host (`ENOTFOUND`):
 * made by hand, as this machine may have no resolver to ask.
 */
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
  it('tries again when a host that answered before stops resolving: a passing DNS failure', async () => {
    let calls = 0;
    const endpoint = {
      ...failingWith('ENOTFOUND'),
      fetch: async () => {
        calls++;
        if (calls > 1) await failingWith('ENOTFOUND').fetch();
        return new Response('{"message":"Request R0 not found"}', { status: 404 });
      },
    };

    const first = await getRequestStatus(endpoint, 'R0');
    const second = await getRequestStatus(endpoint, 'R1');

    assert.equal(first.kind, 'notFound');
    assert.deepEqual([second.kind, second.kind === 'error' && second.retryable], ['error', true]);
  });

  it('gives up on a host that does not resolve, and tries again after a dropped connection', async () => {
    const { server, url } = await startDroppingServer();
    const mistyped = await getRequestStatus(failingWith('ENOTFOUND'), 'R1');
    const dropped = await getRequestStatus(
      { baseUrl: url, sign: sendUnsigned, timeoutMs: 5_000 },
      'R1',
    ).finally(() => server.close());

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
