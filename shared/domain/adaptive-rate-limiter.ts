/**
 * Tuning of the adaptive rate limiter, modelled on the AWS SDKs' "adaptive" retry mode: a
 * token bucket whose fill rate follows a CUBIC-like curve. The values were chosen by
 * `npm run bench:delivery` (see BENCHMARKS.md).
 */
export interface AdaptiveRateOptions {
  /** Share of the rate kept after a throttle. */
  beta?: number;
  /**
   * How fast the rate grows back after a throttle, relative to the rate at the last throttle
   * (the cubic's constant). Relative growth keeps several limiters sharing one quota from
   * probing it several times as fast as one would.
   */
  scale?: number;
  /** Lowest fill rate, in calls per second. */
  minRate?: number;
  now?: () => number;
}

/** The tuning `npm run bench:delivery` chose; `SharedCallPacer` follows the same curve. */
export const ADAPTIVE_RATE_DEFAULTS = { beta: 0.8, scale: 0.002, minRate: 0.5 } as const;
// Calls are counted over this window, and over at least a second, to measure the sending rate.
const MEASURE_WINDOW_SECONDS = 2;

/**
 * A client-side limiter that learns the rate a service allows from its throttles, so a warm
 * worker stops making calls it knows will be throttled. Unlimited until the first throttle;
 * then a token bucket whose rate drops by `beta` on each throttle and grows back along a cubic
 * curve while calls succeed. Not thread-safe: one per execution environment.
 */
export class AdaptiveRateLimiter {
  readonly #beta: number;
  readonly #scale: number;
  readonly #minRate: number;
  readonly #now: () => number;

  #enabled = false;
  #fillRate = 0;
  #capacity = 1;
  #tokens = 0;
  #lastRefill = 0;
  #lastMaxRate = 0;
  #lastThrottle = 0;
  #timeWindow = 0;
  #measuredRate = 0;
  #firstCall = 0;
  readonly #recentCalls: number[] = [];

  constructor(options: AdaptiveRateOptions = {}) {
    this.#beta = options.beta ?? ADAPTIVE_RATE_DEFAULTS.beta;
    this.#scale = options.scale ?? ADAPTIVE_RATE_DEFAULTS.scale;
    this.#minRate = options.minRate ?? ADAPTIVE_RATE_DEFAULTS.minRate;
    this.#now = options.now ?? Date.now;
  }

  /** The current fill rate in calls per second, or undefined while unlimited. */
  get rate(): number | undefined {
    return this.#enabled ? this.#fillRate : undefined;
  }

  /** Milliseconds until a call may start; 0 when one may start now. Takes nothing. */
  waitMs(): number {
    if (!this.#enabled) return 0;
    this.#refill();
    return this.#tokens >= 1 ? 0 : Math.ceil(((1 - this.#tokens) / this.#fillRate) * 1000);
  }

  /** Takes a token for a call about to start (after waiting `waitMs()`). */
  take(): void {
    if (!this.#enabled) return;
    this.#refill();
    this.#tokens -= 1;
  }

  /** Records a call that went through. */
  succeeded(): void {
    this.#measure();
    if (!this.#enabled) return;
    const sinceThrottle = this.#seconds() - this.#lastThrottle;
    const cubic = this.#lastMaxRate * (1 + this.#scale * (sinceThrottle - this.#timeWindow) ** 3);
    this.#setRate(Math.min(cubic, 2 * this.#measuredRate));
  }

  /**
   * Records a throttled call: the rate drops to `beta` of what was being sent, and no call
   * starts before `retryAfterSeconds` have passed.
   */
  throttled(retryAfterSeconds?: number): void {
    this.#measure();
    const sending = this.#enabled
      ? Math.min(this.#measuredRate, this.#fillRate)
      : this.#measuredRate;
    this.#lastMaxRate = Math.max(sending, this.#minRate);
    this.#timeWindow = Math.cbrt((1 - this.#beta) / this.#scale);
    this.#lastThrottle = this.#seconds();
    this.#enabled = true;
    this.#setRate(this.#lastMaxRate * this.#beta);
    if (retryAfterSeconds !== undefined && retryAfterSeconds > 0) {
      // A negative balance is a pause: tokens must refill past zero before the next call.
      this.#tokens = Math.min(this.#tokens, 1 - retryAfterSeconds * this.#fillRate);
    }
  }

  #seconds(): number {
    return this.#now() / 1000;
  }

  #refill(): void {
    const now = this.#seconds();
    if (this.#lastRefill === 0) this.#lastRefill = now;
    this.#tokens = Math.min(
      this.#capacity,
      this.#tokens + (now - this.#lastRefill) * this.#fillRate,
    );
    this.#lastRefill = now;
  }

  #setRate(rate: number): void {
    this.#refill();
    this.#fillRate = Math.max(rate, this.#minRate);
    this.#capacity = Math.max(this.#fillRate, 1);
    this.#tokens = Math.min(this.#tokens, this.#capacity);
  }

  /**
   * The rate of calls actually made over the last two seconds. A burst shorter than a second
   * counts as spread over one, so the first throttle after a burst gets a usable estimate.
   */
  #measure(): void {
    const now = this.#seconds();
    if (this.#firstCall === 0) this.#firstCall = now;
    this.#recentCalls.push(now);
    while ((this.#recentCalls[0] ?? now) < now - MEASURE_WINDOW_SECONDS) this.#recentCalls.shift();
    const span = Math.max(1, Math.min(MEASURE_WINDOW_SECONDS, now - this.#firstCall));
    this.#measuredRate = this.#recentCalls.length / span;
  }
}
