import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  EnqueueError,
  InviteValidationError,
  type PipelineError,
  SpaceNotAllowedError,
} from '../domain/errors.ts';
import { errorResponse } from './responses.ts';

/** Seconds a client waits before retrying a request the pipeline could not finish. */
export const RETRY_AFTER_SECONDS = 1;

/**
 * The HTTP answer to a refused request: 400 shaped like the service's `ValidationException`,
 * 403 for a space outside the allowed list, 503 (retryable) when chunks could not be queued.
 * Any other pipeline error is a 500 that names only its type.
 */
export function errorResponseFor(
  error: PipelineError,
  requestId: string,
): APIGatewayProxyStructuredResultV2 {
  if (error instanceof InviteValidationError) {
    const { message, reason, fieldList } = error;
    return errorResponse(400, error.errorType, { message, reason, fieldList });
  }
  if (error instanceof SpaceNotAllowedError) {
    return errorResponse(403, error.errorType, { message: error.message });
  }
  if (error instanceof EnqueueError) {
    return errorResponse(
      503,
      'ServiceUnavailableException',
      {
        message: `${error.message}; retry the request`,
        retryable: true,
        requestId,
        queuedParts: error.queuedParts,
        failedParts: error.failedParts,
      },
      { 'retry-after': String(RETRY_AFTER_SECONDS) },
    );
  }
  return errorResponse(500, 'InternalServerException', { message: 'Internal error' });
}
