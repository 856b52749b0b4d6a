import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SharedRateState } from '../../../shared/domain/ports.ts';
import { type LocalPacer, SharedCallPacer } from '../../../shared/domain/shared-call-pacer.ts';
import { SHARED_RATE_DEFAULTS } from '../../../shared/domain/shared-rate.ts';
import { MemoryRateStore } from '../../helpers/rate-store.ts';

const START = 1_000_000;
const MAX_WAIT_MS = 2_000;

function clock(start = START) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

type Clock = ReturnType<typeof clock>;

/** A local pacer that records what it is told and always lets a call start after `wait`. */
class RecordingLocalPacer implements LocalPacer {
  readonly events: string[] = [];
  wait = 0;

  waitMs() {
    this.events.push('waitMs');
    return this.wait;
  }
  take() {
    this.events.push('take');
  }
  succeeded() {
    this.events.push('succeeded');
  }
  throttled(seconds?: number) {
    this.events.push(`throttled ${seconds}`);
  }
}

/** A rate of 5 calls a second, learned from a throttle a minute ago, the schedule idle since. */
function learnedAt5PerSecond(now: number): SharedRateState {
  return {
    nextAt: now - 60_000,
    epoch: 1,
    lastMaxRate: 5,
    throttledAt: now - 60_000,
    since: now - 60_000,
    calls: 0,
    busySince: now - 60_000,
    busyCalls: 0,
  };
}

function pacer(store: MemoryRateStore, time: Clock) {
  return new SharedCallPacer({ store, fallback: new RecordingLocalPacer(), now: time.now });
}

/** Three environments, a, b and c, sharing a store that knows `state`. */
function sharing(state?: (now: number) => SharedRateState) {
  const time = clock();
  const store = new MemoryRateStore();
  store.state = state?.(time.now());
  return { time, store, a: pacer(store, time), b: pacer(store, time), c: pacer(store, time) };
}

/** One call through `pacer`: waits what it says, takes, and tells it the call went through. */
async function call(environment: SharedCallPacer, time: Clock): Promise<number> {
  const wait = await environment.waitMs(MAX_WAIT_MS);
  time.advance(wait);
  assert.equal(await environment.take(), true);
  await environment.succeeded();
  return wait;
}

/** Ten calls half a second apart (the schedule idle between them), then one throttled. */
async function throttledAfterTwoCallsASecond(environment: SharedCallPacer, time: Clock) {
  for (let round = 0; round < 10; round++) {
    await call(environment, time);
    time.advance(500);
  }
  await environment.waitMs(MAX_WAIT_MS);
  await environment.take();
  await environment.throttled(1);
}

describe('SharedCallPacer', () => {
  it('spaces the calls of every environment on one schedule at the learned rate', async () => {
    const { time, store, a, b, c } = sharing(learnedAt5PerSecond);

    const waits = [
      await a.waitMs(MAX_WAIT_MS),
      await b.waitMs(MAX_WAIT_MS),
      await c.waitMs(MAX_WAIT_MS),
    ];

    assert.deepEqual(waits, [0, 200, 400]);
    assert.equal(store.state?.nextAt, time.now() + 600);
  });

  it('spaces the first calls at the initial rate before the service has ever throttled', async () => {
    const { a, b } = sharing();

    const waits = [await a.waitMs(MAX_WAIT_MS), await b.waitMs(MAX_WAIT_MS)];

    assert.deepEqual(waits, [0, 50]);
  });

  it('after a throttle, pauses every environment for Retry-After, then spaces them below the rate the service sustained', async () => {
    // Cut a cubic window ago, so the rate is back at 5 a second and grows slowly.
    const { beta, scale } = SHARED_RATE_DEFAULTS;
    const { time, store, a, b } = sharing((now) => ({
      ...learnedAt5PerSecond(now),
      throttledAt: now - Math.cbrt((1 - beta) / scale) * 1000,
    }));
    for (let round = 0; round < 10; round++) {
      await call(a, time);
      await call(b, time);
    }

    time.advance(await a.waitMs(MAX_WAIT_MS));
    await a.take();
    await a.throttled(1);

    const pause = await b.waitMs(MAX_WAIT_MS);
    time.advance(pause);
    await b.take();
    const spacing = await a.waitMs(MAX_WAIT_MS);
    const sustained = store.state?.lastMaxRate ?? 0;
    assert.ok(pause >= 1_000 && pause <= 1_050, `pause ${pause}`);
    assert.equal(store.state?.epoch, 2);
    // 21 calls over 4 s and the bucket's second: a little over 4 a second.
    assert.ok(sustained > 4 && sustained < 4.5, `sustained ${sustained}`);
    assert.ok(spacing > 1000 / sustained && spacing <= 1000 / (beta * sustained), `${spacing}`);
  });

  it('cuts the rate from where it stood when a throttled call met the idle schedule of a learned rate', async () => {
    const { time, store, a } = sharing(learnedAt5PerSecond);
    await throttledAfterTwoCallsASecond(a, time);

    // Two calls a second were asked for; the learned rate stood at 5.
    assert.equal(store.state?.lastMaxRate, 5);
  });

  it('cuts the rate to the calls the spell sent when a throttled call met the idle schedule before any throttle', async () => {
    const { time, store, a } = sharing();
    await throttledAfterTwoCallsASecond(a, time);

    // Two calls a second were sent while the schedule offered its initial 20: the service
    // sustains less than those two, and the rate is cut from them, not from 20.
    const lastMaxRate = store.state?.lastMaxRate ?? Number.NaN;
    assert.ok(lastMaxRate <= 2, `cut from ${lastMaxRate}`);
    assert.ok(lastMaxRate >= SHARED_RATE_DEFAULTS.minRate, `cut from ${lastMaxRate}`);
  });

  it('reports a refused start as longer than the caller holds, however slowly the store answered', async () => {
    // Prepare: paused 2.3 s by a throttle elsewhere; the store takes half a second to refuse.
    const time = clock();
    const store = new MemoryRateStore();
    store.state = { ...learnedAt5PerSecond(time.now()), nextAt: time.now() + 2_300 };
    const reserve = store.reserve.bind(store);
    store.reserve = async (request) => {
      const answer = await reserve(request);
      time.advance(500);
      return answer;
    };

    // Act
    const wait = await pacer(store, time).waitMs(MAX_WAIT_MS);

    // Assess: longer than the caller may wait, so it hands the call back instead of sleeping.
    assert.equal(wait, 2_300);
  });

  it('revokes a start held ahead when a throttle elsewhere pauses the schedule', async () => {
    const { time, a, b } = sharing(learnedAt5PerSecond);
    await a.waitMs(MAX_WAIT_MS);
    await a.take();
    const held = await b.waitMs(MAX_WAIT_MS);

    await a.throttled(1);
    time.advance(held);
    const taken = await b.take();
    const again = await b.waitMs(MAX_WAIT_MS);

    assert.equal(held, 200);
    assert.equal(taken, false);
    assert.equal(again, 800);
  });

  it('checks the store before a call only when its start was held ahead', async () => {
    const { time, store, a, b } = sharing(learnedAt5PerSecond);

    await a.waitMs(MAX_WAIT_MS);
    await a.take();
    const readsForNow = store.calls.read;
    time.advance(await b.waitMs(MAX_WAIT_MS));
    await b.take();

    // Each pacer reads the state once when it starts; then one reserve a call, and b checks.
    assert.equal(readsForNow, 1);
    assert.deepEqual(store.calls, { read: 3, reserve: 2, cut: 0 });
  });

  it('cuts the rate once per epoch: a throttled call started before the cut changes nothing', async () => {
    const { time, store, a, b } = sharing(learnedAt5PerSecond);
    await call(a, time);
    await call(b, time);

    await a.throttled(1);
    const afterFirst = { ...store.state };
    await b.throttled(1);

    assert.deepEqual(store.state, afterFirst);
    assert.equal(store.state?.epoch, 2);
  });

  it('holds no start later than the longest wait asked for, and reports how long it would be', async () => {
    const { time, store, a, b, c } = sharing(learnedAt5PerSecond);
    await a.waitMs(500);
    await b.waitMs(500);
    await c.waitMs(500);
    const end = store.state?.nextAt;

    const wait = await pacer(store, time).waitMs(500);

    assert.equal(wait, 600);
    assert.equal(store.state?.nextAt, end);
  });

  it('paces alone with the local limiter while the store fails, and tries the store again later', async () => {
    const time = clock();
    const store = new MemoryRateStore();
    store.failWith = new Error('ECONNREFUSED');
    const fallback = new RecordingLocalPacer();
    fallback.wait = 120;
    const errors: unknown[] = [];
    const pacer = new SharedCallPacer({
      store,
      fallback,
      retryStoreAfterMs: 5_000,
      onStoreError: (error) => errors.push(error),
      now: time.now,
    });

    const waits = [await pacer.waitMs(MAX_WAIT_MS), await pacer.waitMs(MAX_WAIT_MS)];
    const taken = await pacer.take();
    await pacer.throttled(2);
    const storeCallsWhileDown = { ...store.calls };
    store.failWith = undefined;
    time.advance(5_000);
    const afterwards = await pacer.waitMs(MAX_WAIT_MS);

    assert.deepEqual(waits, [120, 120]);
    assert.equal(taken, true);
    assert.deepEqual(fallback.events, ['waitMs', 'waitMs', 'take', 'throttled 2']);
    assert.deepEqual(storeCallsWhileDown, { read: 1, reserve: 0, cut: 0 });
    assert.equal(errors.length, 1);
    assert.equal(afterwards, 0);
    assert.equal(store.calls.reserve, 1);
  });

  it('tells the local limiter every outcome while the store works, so it can take over', async () => {
    const time = clock();
    const store = new MemoryRateStore();
    const fallback = new RecordingLocalPacer();
    const pacer = new SharedCallPacer({ store, fallback, now: time.now });

    await call(pacer, time);
    await pacer.waitMs(MAX_WAIT_MS);
    await pacer.take();
    await pacer.throttled(1);

    assert.deepEqual(fallback.events, ['succeeded', 'throttled 1']);
  });

  it('makes the call on the start it holds when the store fails while checking it', async () => {
    const { time, store, a, b } = sharing(learnedAt5PerSecond);
    await a.waitMs(MAX_WAIT_MS);
    time.advance(await b.waitMs(MAX_WAIT_MS));

    store.failWith = new Error('timeout');
    const taken = await b.take();

    assert.equal(taken, true);
    assert.equal(b.alone, true);
  });
});
