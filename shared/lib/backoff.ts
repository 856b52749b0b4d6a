/** `base` and `max` share one unit, which is the unit of the result. */
export interface BackoffOptions {
  base: number;
  max: number;
  /** A number in [0, 1); `Math.random` unless a test supplies its own. */
  random?: () => number;
}

/**
 * "Full jitter" exponential backoff: a random delay between zero and
 * min(max, base × 2^(attempt − 1)). `attempt` counts from 1.
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const random = options.random ?? Math.random;
  const ceiling = Math.min(options.max, options.base * 2 ** Math.max(0, attempt - 1));
  return random() * ceiling;
}
