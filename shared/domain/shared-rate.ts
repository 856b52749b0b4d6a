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

export const SHARED_RATE_DEFAULTS: SharedRateOptions = {
  ...ADAPTIVE_RATE_DEFAULTS,
  beta: 0.9,
  initialRate: 20,
};

/** A state nobody has paced with yet, as of `now`. */
export function freshRateState(now: number): SharedRateState {
  return { nextAt: 0, epoch: 0, lastMaxRate: 0, throttledAt: 0, since: now, calls: 0 };
}

/**
 * The rate the service sustains, as the calls taken since `state.since` show it at `at` (the
 * last start taken, or later): a spell starts with the service's bucket full, and a bucket
 * usually holds about a second of its rate, so calls are spread over the spell plus a second.
 */
export function measuredRate(state: SharedRateState, at: number): number {
  return state.calls / (1 + Math.max(0, at - state.since) / 1000);
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
