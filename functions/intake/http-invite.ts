import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  type AcceptDependencies,
  acceptInviteRequest,
} from '../../shared/domain/accept-invite-request.ts';
import { REQUEST_LIMITS, VALIDATION_REASONS } from '../../shared/domain/constants.ts';
import {
  EnqueueError,
  InviteValidationError,
  SpaceNotAllowedError,
} from '../../shared/domain/errors.ts';
import { parseInviteRequest } from '../../shared/domain/invite-request.ts';
import { errorResponse, jsonResponse, validationResponse } from './responses.ts';

const JSON_CONTENT_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;

function bodyText(event: APIGatewayProxyEventV2): { text: string; bytes: number } {
  const raw = event.body ?? '';
  if (event.isBase64Encoded) {
    const buffer = Buffer.from(raw, 'base64');
    return { text: buffer.toString('utf8'), bytes: buffer.length };
  }
  return { text: raw, bytes: Buffer.byteLength(raw) };
}

/** Checks everything about the HTTP exchange before the payload is read. */
function rejectEnvelope(
  event: APIGatewayProxyEventV2,
): APIGatewayProxyStructuredResultV2 | undefined {
  if (event.requestContext.http.method !== 'POST') {
    return errorResponse(
      405,
      'MethodNotAllowedException',
      { message: `Method ${event.requestContext.http.method} is not allowed; use POST` },
      { allow: 'POST' },
    );
  }
  const contentType = event.headers?.['content-type'];
  if (contentType !== undefined && !JSON_CONTENT_TYPE.test(contentType)) {
    return errorResponse(415, 'UnsupportedMediaTypeException', {
      message: 'Content-Type must be application/json',
    });
  }
  return undefined;
}

/**
 * Answers `POST /spaces/{spaceId}/invite`: 202 once every chunk is queued, 4xx for input that
 * can never succeed (nothing queued), 503 when some chunks could not be queued.
 */
export async function handleHttpInvite(
  event: APIGatewayProxyEventV2,
  dependencies: AcceptDependencies & { logger: Logger },
): Promise<APIGatewayProxyStructuredResultV2> {
  const { logger } = dependencies;
  const requestId = event.requestContext.requestId;
  const rejected = rejectEnvelope(event);
  if (rejected !== undefined) return rejected;

  const { text, bytes } = bodyText(event);
  if (bytes > REQUEST_LIMITS.maxBodyBytes) {
    return errorResponse(413, 'PayloadTooLargeException', {
      message: `Request body is ${bytes} bytes; the limit is ${REQUEST_LIMITS.maxBodyBytes}`,
    });
  }
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    return validationResponse('Request body is not valid JSON', VALIDATION_REASONS.cannotParse);
  }

  try {
    const request = parseInviteRequest(event.pathParameters?.spaceId, payload);
    const accepted = await acceptInviteRequest(request, requestId, dependencies);
    logger.info('Invite request accepted', {
      spaceId: request.spaceId,
      accessorCount: accepted.accessorCount,
      messageCount: accepted.messageCount,
    });
    logger.debug('Accessors accepted', { accessorIds: request.accessorIds });
    return jsonResponse(202, accepted);
  } catch (error) {
    if (error instanceof InviteValidationError) {
      logger.info('Invite request rejected', { reason: error.reason, fieldList: error.fieldList });
      return validationResponse(error.message, error.reason, error.fieldList);
    }
    if (error instanceof SpaceNotAllowedError) {
      logger.warn('Invite request for a space outside the allowed list', {
        spaceId: error.spaceId,
      });
      return errorResponse(403, 'AccessDeniedException', { message: error.message });
    }
    if (error instanceof EnqueueError) {
      logger.error('Invite request only partly queued', {
        queuedParts: error.queuedParts,
        failedParts: error.failedParts,
        error: error.cause,
      });
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
        { 'retry-after': '1' },
      );
    }
    throw error;
  }
}
