import type { AccessorPage } from '../../shared/domain/ports.ts';
import type { AccessorResultKind } from '../../shared/domain/request-record.ts';
import type { RequestStatus } from '../../shared/domain/request-status.ts';
import type { ApiEndpoint } from '../lib/api-call.ts';
import type { RequestSigner } from '../lib/sign-request.ts';
import {
  ACCESSOR_PAGE_MAX,
  type ApiError,
  getAccessorPage,
  getRequestStatus,
} from '../lib/status-client.ts';

/** How long a page of the console waits for the status API. */
const STATUS_API_TIMEOUT_MS = 30_000;

/** The status API could not be reached, or answered something other than what was asked. */
export class StatusApiError extends Error {
  /** The API's HTTP status; undefined when it did not answer. */
  readonly statusCode: number | undefined;

  constructor(answer: ApiError) {
    super(answer.message);
    this.name = 'StatusApiError';
    this.statusCode = answer.statusCode;
  }
}

/** A request's status as the API gives it, and its JSON exactly as it came. */
export interface StatusAnswer {
  status: RequestStatus;
  json: string;
}

/**
 * The pipeline's status API (`GET /requests/{id}`, `/requests/{id}/accessors`) for the console,
 * through the same client as `npm run status`: each call signed by `sign` (SigV4 for
 * `execute-api` deployed; unsigned for the local stack), given up after 30 s, and its answer
 * checked for shape.
 */
export class StatusApiClient {
  readonly #endpoint: ApiEndpoint;

  constructor(options: { baseUrl: string; sign: RequestSigner }) {
    this.#endpoint = {
      baseUrl: new URL(options.baseUrl),
      sign: options.sign,
      timeoutMs: STATUS_API_TIMEOUT_MS,
    };
  }

  /** The request's status; undefined when the API does not know it. Throws `StatusApiError`. */
  async status(requestId: string): Promise<StatusAnswer | undefined> {
    const answer = await getRequestStatus(this.#endpoint, requestId);
    if (answer.kind === 'notFound') return undefined;
    if (answer.kind === 'error') throw new StatusApiError(answer);
    return { status: answer.status, json: answer.json };
  }

  /** One page of the accessors that failed or were skipped. Throws `StatusApiError`. */
  async accessors(
    requestId: string,
    kind: AccessorResultKind,
    page: { limit: number; nextToken?: string | undefined },
  ): Promise<AccessorPage> {
    const answer = await getAccessorPage(
      this.#endpoint,
      requestId,
      kind,
      page.nextToken,
      page.limit,
    );
    if (answer.kind === 'error') throw new StatusApiError(answer);
    return {
      items: answer.items,
      ...(answer.nextToken === undefined ? {} : { nextToken: answer.nextToken }),
    };
  }

  /** Every accessor of a kind, page by page (1,000 a call). */
  async *allAccessors(requestId: string, kind: AccessorResultKind): AsyncGenerator<AccessorPage> {
    let nextToken: string | undefined;
    do {
      const page = await this.accessors(requestId, kind, { limit: ACCESSOR_PAGE_MAX, nextToken });
      yield page;
      // A token handed back unchanged would page forever.
      if (page.nextToken !== undefined && page.nextToken === nextToken) {
        throw new StatusApiError({
          kind: 'error',
          message: 'The status API handed back the same nextToken twice',
          retryable: false,
          statusCode: 200,
        });
      }
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
  }
}
