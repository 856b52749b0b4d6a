import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdaptiveRateLimiter } from '../../../shared/domain/adaptive-rate-limiter.ts';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** Calls at `perSecond` for `seconds`, every one succeeding. */
function sendAt(
  limiter: AdaptiveRateLimiter,
  time: ReturnType<typeof clock>,
  perSecond: number,
  seconds: number,
) {
  for (let call = 0; call < perSecond * seconds; call++) {
    time.advance(1000 / perSecond);
    limiter.take();
    limiter.succeeded();
  }
}

describe('AdaptiveRateLimiter', () => {
  it('does not limit before the service has throttled', () => {
    const time = clock();
    const limiter = new AdaptiveRateLimiter({ now: time.now });

    sendAt(limiter, time, 50, 2);

    assert.equal(limiter.waitMs(), 0);
    assert.equal(limiter.rate, undefined);
  });

  it('after a throttle, drops to beta of the measured rate and pauses for Retry-After', () => {
    const time = clock();
    const limiter = new AdaptiveRateLimiter({ now: time.now, beta: 0.7 });
    sendAt(limiter, time, 10, 3);

    limiter.throttled(2);

    // About 10 calls a second were being made (the throttled one counts too).
    assert.ok(Math.abs((limiter.rate ?? 0) - 7.35) < 0.4, `rate ${limiter.rate}`);
    const wait = limiter.waitMs();
    assert.ok(wait >= 1_900 && wait <= 2_200, `wait ${wait}`);
  });

  it('spaces calls at its rate once limited', () => {
    const time = clock();
    const limiter = new AdaptiveRateLimiter({ now: time.now });
    sendAt(limiter, time, 10, 3);
    limiter.throttled();
    time.advance(5_000);

    const waits: number[] = [];
    // The bucket holds one second of calls; after those, calls are spaced at the rate.
    for (let call = 0; call < 12; call++) {
      const wait = limiter.waitMs();
      waits.push(wait);
      time.advance(wait);
      limiter.take();
    }

    const rate = limiter.rate ?? 0;
    assert.ok(
      waits.slice(-3).every((wait) => Math.abs(wait - 1000 / rate) <= 2),
      `${waits} at ${rate}/s`,
    );
  });

  it('learns a usable rate from a burst shorter than a second', () => {
    const time = clock();
    const limiter = new AdaptiveRateLimiter({ now: time.now, beta: 0.8 });
    for (let call = 0; call < 6; call++) {
      time.advance(10);
      limiter.take();
      limiter.succeeded();
    }

    limiter.throttled();

    assert.ok(Math.abs((limiter.rate ?? 0) - 0.8 * 7) < 0.01, `rate ${limiter.rate}`);
  });

  it('grows back past the old rate while calls succeed, and never below its floor', () => {
    const time = clock();
    const limiter = new AdaptiveRateLimiter({ now: time.now, minRate: 0.5, scale: 0.05 });
    sendAt(limiter, time, 10, 3);
    limiter.throttled();
    const afterThrottle = limiter.rate ?? 0;

    sendAt(limiter, time, 8, 6);

    assert.ok((limiter.rate ?? 0) > afterThrottle, `${limiter.rate} <= ${afterThrottle}`);
    for (let throttle = 0; throttle < 30; throttle++) limiter.throttled();
    assert.ok((limiter.rate ?? 0) >= 0.5);
  });
});
