import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_RETRY_POLICY,
  isRetryableStatus,
  retryDelay,
} from '../../../scripts/lib/retry-policy.ts';

const POLICY = { ...DEFAULT_RETRY_POLICY, maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 5000 };

describe('isRetryableStatus', () => {
  it('retries throttling, server errors and a key still in progress only', () => {
    assert.deepEqual([409, 429, 500, 502, 503, 504].map(isRetryableStatus), [
      true,
      true,
      true,
      true,
      true,
      true,
    ]);
    assert.deepEqual([200, 400, 403, 404, 413, 415, 422].map(isRetryableStatus), [
      false,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('retryDelay', () => {
  it('never retries a client error other than 429', () => {
    assert.equal(retryDelay({ status: 400 }, 1, POLICY), undefined);
    assert.equal(retryDelay({ status: 403, retryAfterMs: 1000 }, 1, POLICY), undefined);
  });

  it('stops once the attempts are used up', () => {
    assert.notEqual(retryDelay({ status: 503 }, 3, POLICY), undefined);
    assert.equal(retryDelay({ status: 503 }, 4, POLICY), undefined);
    assert.equal(retryDelay({}, 4, POLICY), undefined);
  });

  it('waits at least Retry-After, plus a little jitter', () => {
    assert.equal(
      retryDelay({ status: 429, retryAfterMs: 2000 }, 1, POLICY, () => 0),
      2000,
    );
    const most = retryDelay({ status: 429, retryAfterMs: 2000 }, 1, POLICY, () => 0.999) ?? 0;
    assert.ok(most >= 2000 && most < 2000 + POLICY.retryAfterJitterMs);
  });

  it('gives up rather than wait longer than the policy allows', () => {
    assert.equal(
      retryDelay({ status: 429, retryAfterMs: POLICY.maxRetryAfterMs + 1 }, 1, POLICY),
      undefined,
    );
  });

  it('never retries a host name that does not resolve, but retries other network errors', () => {
    assert.equal(retryDelay({ networkError: 'ENOTFOUND' }, 1, POLICY), undefined);
    assert.notEqual(retryDelay({ networkError: 'ECONNRESET' }, 1, POLICY), undefined);
    assert.notEqual(retryDelay({ networkError: 'EAI_AGAIN' }, 1, POLICY), undefined);
  });

  it('backs off with full jitter, doubling to the cap, for server and network errors', () => {
    const ceilings = [1, 2, 3].map((attempt) =>
      retryDelay({ status: 500 }, attempt, POLICY, () => 1),
    );
    const network = retryDelay({}, 3, { ...POLICY, maxAttempts: 10 }, () => 1);
    const capped = retryDelay({}, 9, { ...POLICY, maxAttempts: 10 }, () => 1);

    assert.deepEqual(ceilings, [1000, 2000, 4000]);
    assert.equal(network, 4000);
    assert.equal(capped, 5000);
    assert.equal(
      retryDelay({ status: 502 }, 2, POLICY, () => 0),
      0,
    );
  });
});
