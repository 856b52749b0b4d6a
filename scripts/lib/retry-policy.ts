import { backoffDelay } from '../../shared/lib/backoff.ts';

export interface RetryPolicy {
  /** Attempts per request, the first included. */
  maxAttempts: number;
  /** Backoff of the first retry without `Retry-After`; it doubles after each attempt. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Random delay added to a `Retry-After`, so requests told the same time do not return together. */
  retryAfterJitterMs: number;
  /** A longer `Retry-After` ends the request as failed instead of waiting. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 20_000,
  retryAfterJitterMs: 500,
  maxRetryAfterMs: 5 * 60_000,
};

/** What one attempt ended with, as far as retrying is concerned. */
export interface AttemptFailure {
  /** The HTTP status; undefined when no answer came (network error, timeout). */
  status?: number;
  /** From the `Retry-After` header. */
  retryAfterMs?: number;
  /** Without an answer: the transport's error code, when it gave one (`ENOTFOUND`, …). */
  networkError?: string;
}

/** Transport errors no retry fixes: a host name that does not resolve is a mistyped URL. */
const FINAL_NETWORK_ERRORS: ReadonlySet<string> = new Set(['ENOTFOUND']);

/** Whether a call that failed with this transport error code would fail again. */
export function isFinalNetworkError(code: string | undefined): boolean {
  return code !== undefined && FINAL_NETWORK_ERRORS.has(code);
}

/**
 * Throttling, server errors and a request still in progress under the same idempotency key
 * (409) may pass; other client errors never will.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 409 || status === 429 || status >= 500;
}

/**
 * The wait before attempt `attempt + 1`, or undefined when the request should not be retried:
 * a permanent error (a final status, or a host that does not resolve), attempts used up, or a
 * `Retry-After` longer than the policy waits.
 * `Retry-After` is honoured as a minimum; without it the backoff is full-jitter exponential.
 */
export function retryDelay(
  failure: AttemptFailure,
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number | undefined {
  if (failure.status !== undefined && !isRetryableStatus(failure.status)) return undefined;
  if (isFinalNetworkError(failure.networkError)) {
    return undefined;
  }
  if (attempt >= policy.maxAttempts) return undefined;
  if (failure.retryAfterMs !== undefined) {
    if (failure.retryAfterMs > policy.maxRetryAfterMs) return undefined;
    return failure.retryAfterMs + random() * policy.retryAfterJitterMs;
  }
  return backoffDelay(attempt, { base: policy.baseDelayMs, max: policy.maxDelayMs, random });
}
