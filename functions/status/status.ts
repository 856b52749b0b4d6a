import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { VALIDATION_REASONS } from '../../shared/domain/constants.ts';
import {
  InviteValidationError,
  PipelineError,
  RequestNotFoundError,
} from '../../shared/domain/errors.ts';
import type { LedgerReader } from '../../shared/domain/ports.ts';
import { isRequestId, REQUEST_ID_RULE } from '../../shared/domain/request-id.ts';
import {
  ACCESSOR_RESULT_KINDS,
  type AccessorResultKind,
} from '../../shared/domain/request-record.ts';
import { REQUEST_STATUSES, summarizeRequest } from '../../shared/domain/request-status.ts';
import { errorResponseFor } from '../../shared/http/error-response.ts';
import { errorResponse, jsonResponse } from '../../shared/http/responses.ts';
import { beforeDeadline } from '../../shared/lib/before-deadline.ts';

export interface StatusDependencies {
  ports: { ledger: LedgerReader };
  logger: Logger;
  now?: () => number;
}

/** Seconds a client is asked to wait before polling a running request again. */
export const POLL_AFTER_SECONDS = 5;

export const ACCESSOR_PAGE_LIMITS = { default: 100, max: 1000 } as const;

/** Throws `InviteValidationError` naming the one query or path parameter that is wrong. */
function invalid(name: string, message: string): never {
  throw new InviteValidationError(
    `Invalid ${name}: ${message}`,
    VALIDATION_REASONS.fieldValidationFailed,
    [{ name, message }],
  );
}

function requestIdOf(event: APIGatewayProxyEventV2): string {
  const requestId = event.pathParameters?.requestId ?? '';
  if (!isRequestId(requestId)) invalid('requestId', REQUEST_ID_RULE);
  return requestId;
}

function pageOf(event: APIGatewayProxyEventV2): {
  kind: AccessorResultKind;
  limit: number;
  nextToken?: string;
} {
  const query = event.queryStringParameters ?? {};
  const kind = query.status ?? ACCESSOR_RESULT_KINDS.failed;
  if (kind !== ACCESSOR_RESULT_KINDS.failed && kind !== ACCESSOR_RESULT_KINDS.skipped) {
    invalid('status', 'must be failed or skipped');
  }
  const rawLimit = query.limit ?? String(ACCESSOR_PAGE_LIMITS.default);
  const limit = /^\d{1,4}$/.test(rawLimit) ? Number(rawLimit) : Number.NaN;
  if (!(limit >= 1 && limit <= ACCESSOR_PAGE_LIMITS.max)) {
    invalid('limit', `must be a whole number from 1 to ${ACCESSOR_PAGE_LIMITS.max}`);
  }
  const nextToken = query.nextToken;
  if (nextToken !== undefined && !/^[A-Za-z0-9_-]{1,2048}$/.test(nextToken)) {
    invalid('nextToken', 'nextToken is invalid');
  }
  return { kind, limit, ...(nextToken === undefined ? {} : { nextToken }) };
}

/** Time kept to answer once the ledger has had its turn, before the function's own timeout. */
export const ANSWER_RESERVE_MS = 1_000;

/**
 * The status function: `GET /requests/{requestId}` answers a request's counts and failures
 * (with `Retry-After` while it runs), `GET /requests/{requestId}/accessors` pages through the
 * accessors that failed or were skipped. 404 for an unknown or expired request.
 */
export function createStatusHandler(dependencies: StatusDependencies) {
  const { ports, logger } = dependencies;
  const now = dependencies.now ?? Date.now;

  async function answer(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const { method } = event.requestContext.http;
    if (method !== 'GET') {
      return errorResponse(
        405,
        'MethodNotAllowedException',
        { message: `Method ${method} is not allowed; use GET` },
        { allow: 'GET' },
      );
    }
    const requestId = requestIdOf(event);
    // The route, not the path: a request whose ID reads `accessors` is still a request.
    const listing = event.routeKey.endsWith('/accessors');
    const page = listing ? pageOf(event) : undefined;
    const record = await ports.ledger.request(requestId, now());
    if (record === undefined) throw new RequestNotFoundError(requestId);
    if (page !== undefined) {
      return jsonResponse(200, await ports.ledger.accessors(requestId, page.kind, page));
    }
    const status = summarizeRequest(record, await ports.ledger.parts(requestId));
    const running = status.status === REQUEST_STATUSES.running;
    return jsonResponse(200, status, running ? { 'retry-after': String(POLL_AFTER_SECONDS) } : {});
  }

  async function statusHandler(
    event: APIGatewayProxyEventV2,
    context: Context,
  ): Promise<APIGatewayProxyStructuredResultV2> {
    logger.setCorrelationId(event.requestContext.requestId);
    const settled = await beforeDeadline(
      answer(event).then(
        (response) => ({ response }),
        (error: unknown) => ({ error }),
      ),
      context.getRemainingTimeInMillis() - ANSWER_RESERVE_MS,
    );
    if (settled === undefined) {
      // A ledger retrying slow calls would outlast the function, and API Gateway's bare 500
      // names no error type: the contract's 500 goes out while there is time.
      logger.error('Status request ran out of time waiting for the ledger');
      return errorResponse(500, 'InternalServerException', { message: 'Internal error' });
    }
    if ('response' in settled) return settled.response;
    const { error } = settled;
    if (error instanceof PipelineError) {
      logger.info('Status request refused', {
        errorType: error.errorType,
        message: error.message,
      });
      return errorResponseFor(error, event.requestContext.requestId);
    }
    logger.error('Status request failed unexpectedly', { error });
    return errorResponse(500, 'InternalServerException', { message: 'Internal error' });
  }

  return middy(statusHandler).use(
    injectLambdaContext(logger, { resetKeys: true, logEvent: false }),
  );
}
