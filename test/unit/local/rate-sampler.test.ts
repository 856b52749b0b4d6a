import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type RateCounters, startRateSampler } from '../../../infra/local/rate-sampler.ts';

/** A sampler whose timer never fires: the test takes each sample. */
function sampler(readings: (RateCounters | Error)[], windowSeconds = 900) {
  let clock = 0;
  const started = startRateSampler({
    intervalMs: 1_000,
    windowSeconds,
    now: () => (clock += 1_000),
    async read() {
      const next = readings.shift();
      if (next === undefined || next instanceof Error) throw next ?? new Error('no reading');
      return next;
    },
  });
  started.stop();
  return started;
}

describe('startRateSampler', () => {
  it('keeps what happened in each second: calls, throttles and how much the DLQ grew', async () => {
    const rate = sampler([
      { calls: 10, throttled: 1, deadLetterDepth: 2 },
      { calls: 15, throttled: 3, deadLetterDepth: 4 },
      { calls: 15, throttled: 3, deadLetterDepth: 0 },
    ]);

    for (let second = 0; second < 3; second++) await rate.sample();

    assert.deepEqual(rate.series(), {
      intervalSeconds: 1,
      windowSeconds: 900,
      samples: [
        { at: 1_000, calls: 5, throttled: 2, parked: 2, deadLetterDepth: 4 },
        { at: 2_000, calls: 0, throttled: 0, parked: 0, deadLetterDepth: 0 },
      ],
    });
  });

  it('keeps only the window, and starts again after a reading that failed', async () => {
    const rate = sampler(
      [
        { deadLetterDepth: 0 },
        { deadLetterDepth: 1 },
        new Error('stopping'),
        { deadLetterDepth: 5 },
        { deadLetterDepth: 6 },
        { deadLetterDepth: 8 },
      ],
      2,
    );

    for (let second = 0; second < 6; second++) await rate.sample();

    assert.deepEqual(
      rate.series().samples.map(({ calls, parked }) => ({ calls, parked })),
      [
        { calls: null, parked: 1 },
        { calls: null, parked: 2 },
      ],
    );
  });
});
