/** A token bucket in front of SendInvites; an empty bucket answers 429. */
export interface SimulatorThrottle {
  ratePerSecond: number;
  burst: number;
  retryAfterSeconds: number;
  quotaCode?: string;
}

/** A copy of `throttle`. Throws `RangeError` unless rate and burst are >= 0 and `retryAfterSeconds` whole. */
export function checkThrottle(throttle: SimulatorThrottle): SimulatorThrottle {
  const { ratePerSecond, burst, retryAfterSeconds } = throttle;
  if (!(ratePerSecond >= 0) || !(burst >= 0) || !Number.isInteger(retryAfterSeconds)) {
    throw new RangeError(
      'Throttle needs ratePerSecond >= 0, burst >= 0 and whole retryAfterSeconds',
    );
  }
  return { ...throttle };
}

/** Starts full with `burst` tokens and refills at `ratePerSecond`, by the clock it is given. */
export class TokenBucket {
  readonly #config: SimulatorThrottle;
  readonly #now: () => number;
  #tokens: number;
  #updatedAt: number;

  constructor(config: SimulatorThrottle, now: () => number) {
    this.#config = config;
    this.#now = now;
    this.#tokens = config.burst;
    this.#updatedAt = now();
  }

  /** Takes one token; false when the bucket holds less than one. */
  take(): boolean {
    const now = this.#now();
    const refill = (Math.max(0, now - this.#updatedAt) * this.#config.ratePerSecond) / 1000;
    this.#tokens = Math.min(this.#config.burst, this.#tokens + refill);
    this.#updatedAt = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
