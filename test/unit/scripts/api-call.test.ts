import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { callApi, describeFetchFailure } from '../../../scripts/lib/api-call.ts';
import { sendUnsigned } from '../../../scripts/lib/sign-request.ts';
import { startDroppingServer } from '../../helpers/http-request.ts';

/**
 * What fetch throws when DNS knows no such host: "fetch failed", the code in its cause. Made by
 * hand, as this machine may have no resolver to ask; the other failures below are real.
 */
function notFound(): TypeError {
  const cause = Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
  return new TypeError('fetch failed', { cause });
}

/** What `callApi` says when GET `url` gets no answer, through the real fetch. */
async function failureAt(url: URL): Promise<string> {
  const answer = await callApi(
    { baseUrl: url, sign: sendUnsigned, timeoutMs: 5_000 },
    { method: 'GET', url },
  );
  assert.equal(answer.kind, 'unreachable');
  return answer.kind === 'unreachable' ? answer.message : '';
}

describe('describeFetchFailure', () => {
  it('asks whether npm start is running when nothing listens on this machine', async () => {
    const { server, url } = await startDroppingServer();
    server.close();
    await once(server, 'close');

    assert.equal(
      await failureAt(new URL('/requests/x', url)),
      `network error: ECONNREFUSED (nothing listens at ${url.origin}: is npm start running?)`,
    );
  });

  it('says the connection closed when the other side drops it mid-exchange', async () => {
    const { server, url } = await startDroppingServer();
    try {
      assert.equal(
        await failureAt(new URL('/requests/x', url)),
        'network error: UND_ERR_SOCKET (the connection closed before the whole answer came)',
      );
    } finally {
      server.close();
    }
  });

  it('names only the error for a remote API, and a timeout as such', () => {
    const remote = new URL('https://abc123.execute-api.us-east-1.amazonaws.com/requests/x');
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    const timeout = Object.assign(new Error('timed out'), { name: 'TimeoutError' });

    assert.equal(describeFetchFailure(refused, remote), 'network error: ECONNREFUSED');
    assert.equal(describeFetchFailure(timeout, remote), 'no answer in time');
  });

  it('says to check --url when the host name does not resolve', () => {
    const mistyped = new URL('https://abc123.execute-api.us-east-1.amazonaws.con/requests/x');

    assert.equal(
      describeFetchFailure(notFound(), mistyped),
      'network error: ENOTFOUND (no host is named abc123.execute-api.us-east-1.amazonaws.con: check --url)',
    );
  });
});
