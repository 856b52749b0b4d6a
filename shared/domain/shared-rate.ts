import { ADAPTIVE_RATE_DEFAULTS } from './adaptive-rate-limiter.ts';
import type { SharedRateState } from './ports.ts';

/** The shared rate's curve: `AdaptiveRateLimiter`'s, plus where it starts before any throttle. */
export interface SharedRateOptions {
  /** Share of the rate kept after a throttle. */
  beta: number;
  /** How fast the rate grows back after a throttle, relative to the rate at that throttle. */
  scale: number;
  /** Lowest rate, in calls per second. */
  minRate: number;
  /**
   * Calls per second before the service has ever throttled, doubled as fast as calls keep up.
   * Spacing the first calls lets a throttle revoke the starts held after it.
   */
  initialRate: number;
}

/**
 * Chosen with `npm run bench:delivery` (BENCHMARKS.md). A cut starts from what the service
 * sustained, not from what was sent, so it can be shallow; growth is slow, so the schedule
 * passes the quota, drains the service's bucket and takes a throttle about every 15 s.
 */
export const SHARED_RATE_DEFAULTS: SharedRateOptions = {
  ...ADAPTIVE_RATE_DEFAULTS,
  beta: 0.95,
  scale: 0.0005,
  initialRate: 20,
};

/** A state nobody has paced with yet, as of `now`. */
export function freshRateState(now: number): SharedRateState {
  return {
    nextAt: 0,
    epoch: 0,
    lastMaxRate: 0,
    throttledAt: 0,
    since: now,
    calls: 0,
    busySince: now,
    busyCalls: 0,
  };
}

/**
 * The rate the service sustains, as the starts taken by `at` (the last start taken, or later)
 * show it: a service's bucket usually holds about a second of its rate, so the calls of a
 * window are spread over it plus a second. At least what the spell since `since` (which began
 * with the bucket full) shows, and what the latest run of back-to-back starts shows.
 */
export function measuredRate(state: SharedRateState, at: number): number {
  const over = (calls: number, from: number) => calls / (1 + Math.max(0, at - from) / 1000);
  return Math.max(over(state.calls, state.since), over(state.busyCalls, state.busySince));
}

/**
 * The rate, in calls per second, the shared schedule spaces calls at `now`. Before the first
 * throttle: `initialRate`, or twice the measured rate when more. After it: a cubic curve from
 * `beta` of the last cut's rate back past it, at most twice the measured rate (so an idle spell
 * does not let it run away), never below `minRate`.
 */
export function sharedRateAt(
  state: SharedRateState,
  now: number,
  options: SharedRateOptions = SHARED_RATE_DEFAULTS,
): number {
  const measured = measuredRate(state, now);
  if (state.lastMaxRate === 0) return Math.max(options.initialRate, 2 * measured);
  const sinceCut = (now - state.throttledAt) / 1000;
  const window = Math.cbrt((1 - options.beta) / options.scale);
  const cubic = state.lastMaxRate * (1 + options.scale * (sinceCut - window) ** 3);
  const ceiling = Math.max(state.lastMaxRate, 2 * measured);
  return Math.max(options.minRate, Math.min(cubic, ceiling));
}
