import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  EnqueueError,
  IdempotencyKeyInUseError,
  IdempotencyKeyMismatchError,
  InviteValidationError,
  LedgerUnavailableError,
  type PipelineError,
  RequestNotFoundError,
  SpaceNotAllowedError,
} from '../domain/errors.ts';
import { errorResponse } from './responses.ts';

/** Seconds a client waits before retrying a request the pipeline could not finish. */
export const RETRY_AFTER_SECONDS = 1;

/**
 * The HTTP answer to a refused request: 400 shaped like the service's `ValidationException`,
 * 403 for a space outside the allowed list, 404 for an unknown request, 409 while a request with
 * the same idempotency key is in progress, 422 for a key reused with another payload, 503
 * (retryable) when chunks could not be queued or the ledger is down. Any other pipeline error
 * is a 500 that names only its type.
 */
export function errorResponseFor(
  error: PipelineError,
  requestId: string,
): APIGatewayProxyStructuredResultV2 {
  const { errorType, message } = error;
  const retryAfter = { 'retry-after': String(RETRY_AFTER_SECONDS) };
  if (error instanceof InviteValidationError) {
    const { reason, fieldList } = error;
    return errorResponse(400, errorType, { message, reason, fieldList });
  }
  if (error instanceof SpaceNotAllowedError) return errorResponse(403, errorType, { message });
  if (error instanceof RequestNotFoundError) {
    return errorResponse(404, errorType, {
      message,
      resourceId: error.requestId,
      resourceType: 'request',
    });
  }
  if (error instanceof IdempotencyKeyInUseError) {
    return errorResponse(
      409,
      errorType,
      { message },
      {
        'retry-after': String(error.retryAfterSeconds),
      },
    );
  }
  if (error instanceof IdempotencyKeyMismatchError)
    return errorResponse(422, errorType, { message });
  if (error instanceof LedgerUnavailableError) {
    return errorResponse(503, errorType, { message, retryable: true }, retryAfter);
  }
  if (error instanceof EnqueueError) {
    return errorResponse(
      503,
      'ServiceUnavailableException',
      {
        message: `${message}; retry the request`,
        retryable: true,
        requestId: error.requestId ?? requestId,
        queuedParts: error.queuedParts,
        failedParts: error.failedParts,
      },
      retryAfter,
    );
  }
  return errorResponse(500, 'InternalServerException', { message: 'Internal error' });
}
