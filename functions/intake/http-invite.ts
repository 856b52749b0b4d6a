import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  type AcceptDependencies,
  acceptInviteRequest,
} from '../../shared/domain/accept-invite-request.ts';
import { readInviteBodyText } from '../../shared/domain/accessor-ids-text.ts';
import { REQUEST_LIMITS, VALIDATION_REASONS } from '../../shared/domain/constants.ts';
import { EnqueueError, InviteValidationError, PipelineError } from '../../shared/domain/errors.ts';
import { FieldProblems } from '../../shared/domain/field-problems.ts';
import { checkIdempotencyKey } from '../../shared/domain/idempotency.ts';
import {
  checkFlag,
  type InviteRequest,
  parseInviteRequest,
} from '../../shared/domain/invite-request.ts';
import type { IntakeObserver } from '../../shared/domain/ports.ts';
import {
  type PreviewDependencies,
  previewInviteRequest,
} from '../../shared/domain/preview-invite-request.ts';
import { isPlainJsonText } from '../../shared/domain/text.ts';
import { errorResponseFor } from '../../shared/http/error-response.ts';
import { errorResponse, jsonResponse } from '../../shared/http/responses.ts';

const JSON_CONTENT_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;

export interface HttpInviteDependencies extends AcceptDependencies {
  observer: IntakeObserver;
  /** Answers `"dryRun": true`; without it, a dry run is refused as invalid. */
  preview?: Omit<PreviewDependencies, 'maxMessageBytes' | 'allowedSpaceIds' | 'now'>;
}

/** Callers without an IAM identity (the local stack) share one idempotency scope. */
export const ANONYMOUS_CALLER = 'anonymous';

/** The IAM principal that signed the request, as API Gateway's IAM authorizer names it. */
export function callerOf(event: APIGatewayProxyEventV2): string {
  const context = event.requestContext as { authorizer?: { iam?: { userArn?: unknown } } };
  const arn = context.authorizer?.iam?.userArn;
  return typeof arn === 'string' && arn !== '' ? arn : ANONYMOUS_CALLER;
}

/** Where the request's status can be read: absolute, on the API the request came in on. */
function statusLocation(event: APIGatewayProxyEventV2, requestId: string) {
  const { domainName, stage } = event.requestContext;
  const path = `${stage && stage !== '$default' ? `/${stage}` : ''}/requests/${encodeURIComponent(requestId)}`;
  const scheme = event.headers?.['x-forwarded-proto'] ?? 'https';
  return { path, url: `${scheme}://${domainName}${path}` };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The body as text, and its size in bytes. A base64 body that is not UTF-8 reads as undefined:
 * decoding it would put U+FFFD in place of what the caller sent.
 */
function bodyText(event: APIGatewayProxyEventV2): { text: string | undefined; bytes: number } {
  const raw = event.body ?? '';
  if (event.isBase64Encoded) {
    const buffer = Buffer.from(raw, 'base64');
    try {
      return { text: UTF8.decode(buffer), bytes: buffer.length };
    } catch {
      return { text: undefined, bytes: buffer.length };
    }
  }
  return { text: raw, bytes: Buffer.byteLength(raw) };
}

/** An HTTP-level refusal: the exchange is wrong before the payload is read. */
interface EnvelopeRejection {
  statusCode: number;
  errorType: string;
  message: string;
  headers?: Record<string, string>;
}

/** Checks everything about the HTTP exchange before the payload is read. */
function rejectEnvelope(
  event: APIGatewayProxyEventV2,
  bytes: number,
): EnvelopeRejection | undefined {
  const { method } = event.requestContext.http;
  if (method !== 'POST') {
    return {
      statusCode: 405,
      errorType: 'MethodNotAllowedException',
      message: `Method ${method} is not allowed; use POST`,
      headers: { allow: 'POST' },
    };
  }
  const contentType = event.headers?.['content-type'];
  if (contentType !== undefined && !JSON_CONTENT_TYPE.test(contentType)) {
    return {
      statusCode: 415,
      errorType: 'UnsupportedMediaTypeException',
      message: 'Content-Type must be application/json',
    };
  }
  if (bytes > REQUEST_LIMITS.maxBodyBytes) {
    return {
      statusCode: 413,
      errorType: 'PayloadTooLargeException',
      message: `Request body is ${bytes} bytes; the limit is ${REQUEST_LIMITS.maxBodyBytes}`,
    };
  }
  return undefined;
}

/** Whether the body asks for a dry run. Throws `InviteValidationError` for a non-boolean flag. */
function isDryRun(payload: unknown): boolean {
  const problems = new FieldProblems();
  const dryRun = checkFlag('dryRun', (payload as Record<string, unknown>).dryRun, problems);
  if (!problems.empty) throw problems.toError();
  return dryRun;
}

function dryRunOf(dependencies: HttpInviteDependencies) {
  if (dependencies.preview === undefined) {
    throw new InviteValidationError('Dry runs are not available here', VALIDATION_REASONS.other);
  }
  return dependencies.preview;
}

/** The body as JSON. Throws `InviteValidationError` (`cannotParse`) when it is not JSON. */
function parseJson(text: string | undefined): unknown {
  if (text === undefined) {
    throw new InviteValidationError(
      'Request body is not UTF-8 text',
      VALIDATION_REASONS.cannotParse,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InviteValidationError(
      'Request body is not valid JSON',
      VALIDATION_REASONS.cannotParse,
      [],
      { cause: error },
    );
  }
}

/**
 * The body's payload and the request it makes to `spaceId`. A list of plain IDs is read from the
 * text without a string made of each; any other body is parsed whole, and its problems named.
 * Throws `InviteValidationError`.
 */
export function readInviteBody(
  spaceId: unknown,
  text: string | undefined,
): { payload: unknown; request: InviteRequest } {
  const read = text === undefined ? undefined : readInviteBodyText(text);
  const payload = read?.payload ?? parseJson(text);
  const request = parseInviteRequest(
    spaceId,
    payload,
    read === undefined
      ? { plainText: text !== undefined && isPlainJsonText(text) }
      : { accessorIds: read.accessorIds },
  );
  return { payload, request };
}

/**
 * Answers `POST /spaces/{spaceId}/invite`: 202 once every chunk is queued, 4xx for input that
 * can never succeed (nothing queued), 503 when some chunks could not be queued.
 */
export async function handleHttpInvite(
  event: APIGatewayProxyEventV2,
  dependencies: HttpInviteDependencies,
): Promise<APIGatewayProxyStructuredResultV2> {
  const { observer } = dependencies;
  const requestId = event.requestContext.requestId;
  const { text, bytes } = bodyText(event);
  const rejected = rejectEnvelope(event, bytes);
  if (rejected !== undefined) {
    const { statusCode, errorType, message, headers } = rejected;
    observer.rejected?.('http', { errorType, message });
    return errorResponse(statusCode, errorType, { message }, headers);
  }

  try {
    const idempotencyKey = checkIdempotencyKey(event.headers?.['idempotency-key']);
    const { payload, request } = readInviteBody(event.pathParameters?.spaceId, text);
    const requestedBy = callerOf(event);
    if (isDryRun(payload)) {
      const answer = await previewInviteRequest(
        request,
        { ...dependencies, ...dryRunOf(dependencies) },
        requestId,
      );
      // Logged with who asked: a dry run tells whether people were invited recently.
      observer.previewed?.(request.spaceId, answer.accessorCount, requestedBy);
      return jsonResponse(200, answer);
    }
    const accepted = await acceptInviteRequest(
      request,
      {
        requestId,
        ownRequestId: true,
        source: 'http',
        requestedBy,
        ...(idempotencyKey === undefined
          ? {}
          : { idempotency: { scope: requestedBy, key: idempotencyKey } }),
      },
      dependencies,
    );
    observer.accepted?.({
      source: 'http',
      requestId: accepted.requestId,
      requestedBy,
      replayed: accepted.replayed,
      spaceId: request.spaceId,
      accessorCount: accepted.accessorCount,
      messageCount: accepted.messageCount,
      // Read only to be logged at DEBUG: a list read from the body's text is not made otherwise.
      get accessorIds() {
        return request.accessorIds;
      },
    });
    const location = statusLocation(event, accepted.requestId);
    const { accessorCount, messageCount } = accepted;
    return jsonResponse(
      202,
      { requestId: accepted.requestId, accessorCount, messageCount, statusUrl: location.url },
      {
        location: location.path,
        ...(accepted.replayed ? { 'idempotent-replayed': 'true' } : {}),
      },
    );
  } catch (error) {
    if (!(error instanceof PipelineError)) throw error;
    if (error instanceof EnqueueError) {
      const { queuedParts, failedParts, cause } = error;
      observer.partlyQueued?.('http', { queuedParts, failedParts, cause, parked: false });
    } else {
      observer.rejected?.('http', error);
    }
    return errorResponseFor(error, requestId);
  }
}
