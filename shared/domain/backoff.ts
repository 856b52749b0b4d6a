export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** A number in [0, 1); `Math.random` unless a test supplies its own. */
  random?: () => number;
}

/**
 * "Full jitter" exponential backoff: a random delay between zero and
 * min(maxMs, baseMs × 2^(attempt − 1)). `attempt` counts from 1.
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const random = options.random ?? Math.random;
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}
