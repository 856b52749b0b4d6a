import type { AccessorPage } from '../../shared/domain/ports.ts';
import type { AccessorResultKind } from '../../shared/domain/request-record.ts';
import type { RequestStatus } from '../../shared/domain/request-status.ts';
import type { RequestSigner } from '../lib/sign-request.ts';

/** The status API answered something other than 200 or 404. */
export class StatusApiError extends Error {
  readonly statusCode: number;

  constructor(statusCode: number, message: string, options?: ErrorOptions) {
    super(`The status API answered ${statusCode}: ${message}`, options);
    this.name = 'StatusApiError';
    this.statusCode = statusCode;
  }
}

/** A request's status as the API gives it, and its JSON exactly as it came. */
export interface StatusAnswer {
  status: RequestStatus;
  json: string;
}

/** The largest page the API hands out. */
export const ACCESSOR_PAGE_MAX = 1000;

/**
 * The pipeline's status API (`GET /requests/{id}`, `/requests/{id}/accessors`), each call
 * signed by `sign` (SigV4 for `execute-api` deployed; unsigned for the local stack).
 */
export class StatusApiClient {
  readonly #baseUrl: string;
  readonly #sign: RequestSigner;

  constructor(options: { baseUrl: string; sign: RequestSigner }) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#sign = options.sign;
  }

  /** The request's status; undefined when the API does not know it. Throws `StatusApiError`. */
  async status(requestId: string): Promise<StatusAnswer | undefined> {
    const answer = await this.#get(`/requests/${encodeURIComponent(requestId)}`);
    return answer === undefined
      ? undefined
      : { status: JSON.parse(answer) as RequestStatus, json: answer };
  }

  /** One page of the accessors that failed or were skipped. Throws `StatusApiError`. */
  async accessors(
    requestId: string,
    kind: AccessorResultKind,
    page: { limit: number; nextToken?: string | undefined },
  ): Promise<AccessorPage> {
    const search = new URLSearchParams({ status: kind, limit: String(page.limit) });
    if (page.nextToken) search.set('nextToken', page.nextToken);
    const answer = await this.#get(
      `/requests/${encodeURIComponent(requestId)}/accessors?${search}`,
    );
    if (answer === undefined) throw new StatusApiError(404, 'Request not found');
    return JSON.parse(answer) as AccessorPage;
  }

  /** Every accessor of a kind, page by page (1,000 a call). */
  async *allAccessors(requestId: string, kind: AccessorResultKind): AsyncGenerator<AccessorPage> {
    let nextToken: string | undefined;
    do {
      const page = await this.accessors(requestId, kind, { limit: ACCESSOR_PAGE_MAX, nextToken });
      yield page;
      // A token handed back unchanged would page forever.
      if (page.nextToken !== undefined && page.nextToken === nextToken) {
        throw new StatusApiError(200, 'the same nextToken came back twice');
      }
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
  }

  async #get(path: string): Promise<string | undefined> {
    const url = new URL(`${this.#baseUrl}${path}`);
    const headers = await this.#sign({
      method: 'GET',
      url,
      headers: { accept: 'application/json' },
      body: '',
    });
    const response = await fetch(url, { headers });
    const text = await response.text();
    if (response.status === 404) return undefined;
    if (response.status !== 200) {
      let message = text.slice(0, 200);
      try {
        message = String((JSON.parse(text) as { message?: unknown }).message ?? message);
      } catch {
        // Not JSON (API Gateway's own 403 is, a proxy's 502 may not be): the text says enough.
      }
      throw new StatusApiError(response.status, message);
    }
    return text;
  }
}
