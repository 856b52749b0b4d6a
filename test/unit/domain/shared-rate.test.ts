import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SharedRateState } from '../../../shared/domain/ports.ts';
import {
  freshRateState,
  measuredRate,
  SHARED_RATE_DEFAULTS,
  sharedRateAt,
} from '../../../shared/domain/shared-rate.ts';

const NOW = 1_000_000;

function afterCut(overrides: Partial<SharedRateState> = {}): SharedRateState {
  return {
    nextAt: NOW,
    epoch: 1,
    lastMaxRate: 5,
    throttledAt: NOW,
    since: NOW,
    calls: 0,
    busySince: NOW,
    busyCalls: 0,
    ...overrides,
  };
}

describe('measuredRate', () => {
  it('takes the higher of the spell and the latest run of back-to-back starts', () => {
    // 15 calls over 7 s, the last 7 of them back to back in 0.3 s.
    const state = afterCut({ calls: 15, since: NOW - 7_000, busyCalls: 7, busySince: NOW - 300 });

    assert.equal(measuredRate(state, NOW), 7 / 1.3);
  });

  it("spreads the calls since the spell began over the spell and a second of the service's bucket", () => {
    assert.equal(measuredRate(afterCut({ calls: 12, since: NOW - 200 }), NOW), 10);
    assert.equal(measuredRate(afterCut({ calls: 8, since: NOW - 3_000 }), NOW), 2);
    assert.equal(measuredRate(afterCut({ calls: 0, since: NOW + 500 }), NOW), 0);
  });
});

describe('sharedRateAt', () => {
  it('starts at the initial rate before any throttle, and doubles what calls keep up with', () => {
    const fresh = freshRateState(NOW);
    const busy = { ...fresh, calls: 60, since: NOW - 1_000 };

    assert.equal(sharedRateAt(fresh, NOW), SHARED_RATE_DEFAULTS.initialRate);
    assert.equal(sharedRateAt(busy, NOW), 60);
  });

  it('starts at beta of the last rate at a cut and is back to it after the cubic window', () => {
    const state = afterCut({ calls: 100, since: NOW - 10_000 });
    const window = Math.cbrt((1 - SHARED_RATE_DEFAULTS.beta) / SHARED_RATE_DEFAULTS.scale) * 1000;

    const atCut = sharedRateAt(state, NOW);
    const afterWindow = sharedRateAt(state, NOW + window);
    const later = sharedRateAt(state, NOW + window + 5_000);

    assert.ok(Math.abs(atCut - 5 * SHARED_RATE_DEFAULTS.beta) < 1e-9, `${atCut}`);
    assert.ok(Math.abs(afterWindow - 5) < 1e-9, `${afterWindow}`);
    assert.ok(later > 5, `${later}`);
  });

  it('does not run away over an idle spell: without calls it stays at the last rate', () => {
    const idle = afterCut({ since: NOW + 3_600_000 - 100, calls: 1 });

    assert.equal(sharedRateAt(idle, NOW + 3_600_000), 5);
  });

  it('never drops below the floor', () => {
    const state = afterCut({ lastMaxRate: 0.1 });

    assert.equal(sharedRateAt(state, NOW), SHARED_RATE_DEFAULTS.minRate);
  });
});
