import { backoffDelay } from '../lib/backoff.ts';
import { SQS_LIMITS } from './constants.ts';

/** What the worker does with a chunk after one SendInvites attempt. */
export type Outcome =
  | { kind: 'delivered' }
  /** The service is throttling: wait `delaySeconds`, and make no more calls this batch. */
  | { kind: 'throttled'; delaySeconds: number }
  /** A fault that may pass: try again after `delaySeconds`. */
  | { kind: 'retry'; delaySeconds: number; errorType: string }
  /** The chunk can never succeed as it is: park it with the reason. */
  | { kind: 'park'; errorType: string; errorMessage: string; serviceRequestId?: string };

export const RETRY_DEFAULTS = {
  /** Delay after a 429 that carries no `Retry-After`. */
  throttleDelaySeconds: 5,
  /** Exponential backoff for retryable faults without `Retry-After`. */
  backoffBaseSeconds: 2,
  backoffMaxSeconds: 900,
} as const;

/** Errors the service uses for input or permissions that no retry will fix. */
const NOT_RETRYABLE = new Set([
  'ValidationException',
  'AccessDeniedException',
  'ResourceNotFoundException',
]);

export interface ClassifyOptions {
  /** `ApproximateReceiveCount` of the message: 1 on its first delivery. */
  receiveCount: number;
  random?: () => number;
}

/** Clamps a delay to what `ChangeMessageVisibility` accepts and the worker wants: 1..43,200 s. */
export function clampVisibility(seconds: number): number {
  if (!Number.isFinite(seconds)) return RETRY_DEFAULTS.throttleDelaySeconds;
  return Math.min(SQS_LIMITS.maxVisibilitySeconds, Math.max(1, Math.ceil(seconds)));
}

function field(error: unknown, name: string): unknown {
  return typeof error === 'object' && error !== null
    ? (error as Record<string, unknown>)[name]
    : undefined;
}

function retryAfter(error: unknown): number | undefined {
  const value = field(error, 'retryAfterSeconds');
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * Decides what to do with a chunk from the SendInvites error it got (`undefined` on success).
 * Errors are read by their `name` and fields, so any client with the official names fits.
 */
export function classifyOutcome(error: unknown, options: ClassifyOptions): Outcome {
  if (error === undefined) return { kind: 'delivered' };
  const name = field(error, 'name');
  const errorType = typeof name === 'string' && name !== '' ? name : 'Error';
  if (errorType === 'ThrottlingException') {
    return {
      kind: 'throttled',
      delaySeconds: clampVisibility(retryAfter(error) ?? RETRY_DEFAULTS.throttleDelaySeconds),
    };
  }
  if (NOT_RETRYABLE.has(errorType)) {
    const message = field(error, 'message');
    const requestId = field(error, 'requestId');
    return {
      kind: 'park',
      errorType,
      errorMessage: typeof message === 'string' && message !== '' ? message : errorType,
      ...(typeof requestId === 'string' ? { serviceRequestId: requestId } : {}),
    };
  }
  const given = retryAfter(error);
  const seconds =
    given ??
    backoffDelay(options.receiveCount, {
      base: RETRY_DEFAULTS.backoffBaseSeconds,
      max: RETRY_DEFAULTS.backoffMaxSeconds,
      ...(options.random ? { random: options.random } : {}),
    });
  return { kind: 'retry', delaySeconds: clampVisibility(seconds), errorType };
}
