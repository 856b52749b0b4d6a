import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  clampVisibility,
  classifyOutcome,
  RETRY_DEFAULTS,
} from '../../../shared/domain/outcome.ts';
import { backoffDelay } from '../../../shared/lib/backoff.ts';

function serviceError(name: string, fields: Record<string, unknown> = {}) {
  return Object.assign(new Error(`${name} happened`), { name, ...fields });
}

const first = { receiveCount: 1, random: () => 0.5 };

describe('classifyOutcome', () => {
  it('treats no error as delivered', () => {
    assert.deepEqual(classifyOutcome(undefined, first), { kind: 'delivered' });
  });

  it('delays a throttled chunk by Retry-After, or the default without it', () => {
    assert.deepEqual(
      classifyOutcome(serviceError('ThrottlingException', { retryAfterSeconds: 7 }), first),
      {
        kind: 'throttled',
        delaySeconds: 7,
      },
    );
    assert.deepEqual(classifyOutcome(serviceError('ThrottlingException'), first), {
      kind: 'throttled',
      delaySeconds: RETRY_DEFAULTS.throttleDelaySeconds,
    });
  });

  it('clamps Retry-After to 1..36,000 seconds', () => {
    const delay = (retryAfterSeconds: number) =>
      classifyOutcome(serviceError('ThrottlingException', { retryAfterSeconds }), first);
    assert.deepEqual(delay(0), { kind: 'throttled', delaySeconds: 1 });
    assert.deepEqual(delay(-5), { kind: 'throttled', delaySeconds: 1 });
    assert.deepEqual(delay(100_000), { kind: 'throttled', delaySeconds: 36_000 });
    assert.deepEqual(delay(2.2), { kind: 'throttled', delaySeconds: 3 });
  });

  for (const name of [
    'ValidationException',
    'AccessDeniedException',
    'ResourceNotFoundException',
  ]) {
    it(`parks ${name} with its type, message and service request id`, () => {
      const outcome = classifyOutcome(serviceError(name, { requestId: 'svc-req-1' }), first);

      assert.deepEqual(outcome, {
        kind: 'park',
        errorType: name,
        errorMessage: `${name} happened`,
        serviceRequestId: 'svc-req-1',
        // Only a refused input may be one chunk's doing.
        wholeCall: name !== 'ValidationException',
      });
    });
  }

  for (const name of [
    'InternalServerException',
    'TimeoutError',
    'NetworkingError',
    'SomethingNew',
    'TypeError',
  ]) {
    it(`retries ${name} with Retry-After when given`, () => {
      assert.deepEqual(classifyOutcome(serviceError(name, { retryAfterSeconds: 4 }), first), {
        kind: 'retry',
        delaySeconds: 4,
        errorType: name,
        errorMessage: `${name} happened`,
      });
    });
  }

  it('backs off exponentially on the receive count when no Retry-After is given', () => {
    const delays = [1, 2, 3, 4, 5, 6].map((receiveCount) => {
      const outcome = classifyOutcome(serviceError('InternalServerException'), {
        receiveCount,
        random: () => 0.999,
      });
      assert.equal(outcome.kind, 'retry');
      return outcome.kind === 'retry' ? outcome.delaySeconds : 0;
    });

    assert.deepEqual(delays, [2, 4, 8, 16, 32, 64]);
  });

  it('caps the backoff at 900 seconds and never goes below 1', () => {
    const late = classifyOutcome(serviceError('InternalServerException'), {
      receiveCount: 40,
      random: () => 0.999,
    });
    const unlucky = classifyOutcome(serviceError('InternalServerException'), {
      receiveCount: 3,
      random: () => 0,
    });

    const retry = {
      kind: 'retry',
      errorType: 'InternalServerException',
      errorMessage: 'InternalServerException happened',
    };
    assert.deepEqual(late, { ...retry, delaySeconds: 900 });
    assert.deepEqual(unlucky, { ...retry, delaySeconds: 1 });
  });

  it('throttles on any 429 and parks any 400, 403 or 404, whatever the service names the error', () => {
    const answered = (name: string, httpStatusCode: number, fields = {}) =>
      classifyOutcome(serviceError(name, { $metadata: { httpStatusCode }, ...fields }), first);

    assert.deepEqual(answered('TooManyRequestsException', 429, { retryAfterSeconds: 30 }), {
      kind: 'throttled',
      delaySeconds: 30,
    });
    for (const [name, status] of [
      ['MissingAuthenticationTokenException', 403],
      ['InvalidSignatureException', 403],
      ['UnknownError', 404],
      ['SerializationException', 400],
    ] as const) {
      assert.equal(answered(name, status).kind, 'park', name);
    }
    // Credentials that have run out are renewed for a later call.
    assert.equal(answered('ExpiredTokenException', 400).kind, 'retry');
    assert.equal(answered('ServiceUnavailableException', 503).kind, 'retry');
  });

  it('retries values that are not errors at all', () => {
    assert.equal(classifyOutcome('boom', first).kind, 'retry');
    assert.equal(classifyOutcome(null, first).kind, 'retry');
  });
});

describe('clampVisibility', () => {
  it('property: always an integer in 1..36,000, so 12 hours in flight since the receive hold it', () => {
    fc.assert(
      fc.property(fc.double(), (seconds) => {
        const clamped = clampVisibility(seconds);
        assert.ok(Number.isInteger(clamped) && clamped >= 1 && clamped <= 36_000);
      }),
    );
  });

  it('asks for at most 10 hours, even when the service asks for 12', () => {
    assert.equal(clampVisibility(43_200), 36_000);
    assert.equal(clampVisibility(35_999.2), 36_000);
  });
});

describe('backoffDelay', () => {
  it('property: stays within 0..min(max, base * 2^(attempt-1))', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 0, max: 0.9999, noNaN: true }),
        (attempt, r) => {
          const delay = backoffDelay(attempt, { base: 50, max: 2_000, random: () => r });
          assert.ok(delay >= 0 && delay <= Math.min(2_000, 50 * 2 ** (attempt - 1)));
        },
      ),
    );
  });
});
