import { backoffDelay } from '../lib/backoff.ts';
import { SQS_LIMITS } from './constants.ts';

/** What the worker does with a chunk after one SendInvites attempt. */
export type Outcome =
  | { kind: 'delivered' }
  /** The service is throttling: wait `delaySeconds`, and make no more calls this batch. */
  | { kind: 'throttled'; delaySeconds: number }
  /** A fault that may pass: try again after `delaySeconds`. */
  | { kind: 'retry'; delaySeconds: number; errorType: string; errorMessage: string }
  /**
   * The chunk can never succeed as it is: park it with the reason. `wholeCall` when the refusal
   * holds for the call whatever chunks it holds (the space, the caller's rights, the signature).
   */
  | {
      kind: 'park';
      errorType: string;
      errorMessage: string;
      serviceRequestId?: string;
      wholeCall: boolean;
    };

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
/**
 * HTTP statuses that no retry fixes whatever the error's name, as the brief has it: a 400 or a
 * 403 the service names otherwise (a signature AWS refused, `MissingAuthenticationTokenException`)
 * or a 404 from the endpoint itself. Not those of credentials that a later call renews.
 */
const NOT_RETRYABLE_STATUSES = new Set([400, 403, 404]);
const RENEWED_BY_RETRY = new Set(['ExpiredTokenException', 'ExpiredToken', 'RequestExpired']);
/** Refusals of the space or of the caller, not of what a call holds. */
const WHOLE_CALL = new Set(['AccessDeniedException', 'ResourceNotFoundException']);

export interface ClassifyOptions {
  /** `ApproximateReceiveCount` of the message: 1 on its first delivery. */
  receiveCount: number;
  random?: () => number;
}

/**
 * Longest a hand-back asks for. SQS keeps a message in flight at most 12 hours (43,200 s) from
 * its receive, and refuses a change that would go past them; a message the worker holds was
 * received at most one queue visibility timeout ago (6× the function's timeout: under 1.5 hours
 * even at Lambda's 15 minutes), so 10 hours always fit.
 */
export const MAX_HAND_BACK_SECONDS = SQS_LIMITS.maxVisibilitySeconds - 7_200;

/** Clamps a delay to what `ChangeMessageVisibility` accepts and the worker wants: 1..36,000 s. */
export function clampVisibility(seconds: number): number {
  if (!Number.isFinite(seconds)) return RETRY_DEFAULTS.throttleDelaySeconds;
  return Math.min(MAX_HAND_BACK_SECONDS, Math.max(1, Math.ceil(seconds)));
}

function field(error: unknown, name: string): unknown {
  return typeof error === 'object' && error !== null
    ? (error as Record<string, unknown>)[name]
    : undefined;
}

/** The HTTP status the error came with, when the client recorded one (`$metadata`). */
function httpStatus(error: unknown): number | undefined {
  const status = field(field(error, '$metadata'), 'httpStatusCode');
  return typeof status === 'number' ? status : undefined;
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
  const message = field(error, 'message');
  const errorMessage = typeof message === 'string' && message !== '' ? message : errorType;
  const status = httpStatus(error);
  // Any 429 is a throttle, whatever the service calls it.
  if (errorType === 'ThrottlingException' || status === 429) {
    return {
      kind: 'throttled',
      delaySeconds: clampVisibility(retryAfter(error) ?? RETRY_DEFAULTS.throttleDelaySeconds),
    };
  }
  const permanent =
    NOT_RETRYABLE.has(errorType) ||
    (status !== undefined &&
      NOT_RETRYABLE_STATUSES.has(status) &&
      !RENEWED_BY_RETRY.has(errorType));
  if (permanent) {
    const requestId = field(error, 'requestId');
    return {
      kind: 'park',
      errorType,
      errorMessage,
      ...(typeof requestId === 'string' ? { serviceRequestId: requestId } : {}),
      wholeCall: WHOLE_CALL.has(errorType) || status === 403 || status === 404,
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
  return { kind: 'retry', delaySeconds: clampVisibility(seconds), errorType, errorMessage };
}
