import { isJsonObject, parseJsonObject, stringField } from '../../shared/domain/json-object.ts';
import type { AccessorResult, AccessorResultKind } from '../../shared/domain/request-record.ts';
import type { RequestStatus } from '../../shared/domain/request-status.ts';
import { parseRetryAfter } from '../../shared/lib/retry-after.ts';
import {
  type ApiAnswer,
  type ApiEndpoint,
  type ApiUnreachable,
  apiUrl,
  callApi,
  failsAgain,
  oneLine,
} from './api-call.ts';

/** The largest page of accessors the API hands out. */
export const ACCESSOR_PAGE_MAX = 1000;

/** Why a call did not give what was asked; `statusCode` when the API answered at all. */
export interface ApiError {
  kind: 'error';
  message: string;
  retryable: boolean;
  statusCode?: number;
}

/** A request's status (and its JSON exactly as answered), or why it could not be read. */
export type StatusAnswer =
  | { kind: 'status'; status: RequestStatus; json: string; retryAfterMs?: number }
  | { kind: 'notFound'; message: string }
  | ApiError;

/** One page of accessors, or why it could not be read. */
export type AccessorsAnswer =
  | { kind: 'page'; items: AccessorResult[]; nextToken?: string }
  | ApiError;

/**
 * Reads `GET /requests/{requestId}`; never rejects. `notFound` only when the pipeline itself
 * says it knows no such request; a 404 from anything else, or a 200 that is not a request
 * status, is a non-retryable `error` that says to check the URL.
 */
export async function getRequestStatus(
  endpoint: ApiEndpoint,
  requestId: string,
): Promise<StatusAnswer> {
  const url = apiUrl(endpoint.baseUrl, `/requests/${encodeURIComponent(requestId)}`);
  const answer = await callApi(endpoint, { method: 'GET', url });
  if (answer.kind === 'unreachable') return unreachable(endpoint, answer);
  const parsed = parseJsonObject(answer.text);
  if (answer.status === 200) {
    if (!isRequestStatus(parsed))
      return notTheApi(url, 200, 'HTTP 200 but not with a request status');
    const retryAfterMs = parseRetryAfter(answer.headers.get('retry-after'));
    return {
      kind: 'status',
      status: parsed,
      json: answer.text,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }
  if (answer.status === 404 && isRequestNotFound(parsed)) {
    return { kind: 'notFound', message: stringField(parsed, 'message') ?? 'HTTP 404' };
  }
  return refusal(url, answer, parsed);
}

/** Reads one page of `GET /requests/{requestId}/accessors`; never rejects. */
export async function getAccessorPage(
  endpoint: ApiEndpoint,
  requestId: string,
  kind: AccessorResultKind,
  nextToken?: string,
  limit = ACCESSOR_PAGE_MAX,
): Promise<AccessorsAnswer> {
  const query = {
    status: kind,
    limit: String(limit),
    ...(nextToken === undefined ? {} : { nextToken }),
  };
  const url = apiUrl(
    endpoint.baseUrl,
    `/requests/${encodeURIComponent(requestId)}/accessors`,
    query,
  );
  const answer = await callApi(endpoint, { method: 'GET', url });
  if (answer.kind === 'unreachable') return unreachable(endpoint, answer);
  const parsed = parseJsonObject(answer.text);
  if (answer.status === 200) {
    if (!Array.isArray(parsed?.items)) {
      return notTheApi(url, 200, 'HTTP 200 but not with a page of accessors');
    }
    const next = stringField(parsed, 'nextToken');
    return {
      kind: 'page',
      items: parsed.items as AccessorResult[],
      ...(next === undefined ? {} : { nextToken: next }),
    };
  }
  return refusal(url, answer, parsed);
}

/** How often, and after what waits, a read the API refused as retryable is tried. */
export interface ReadRetry {
  attempts: number;
  sleep: (ms: number) => Promise<void>;
}

/** `read` until it answers or fails for good, `retry.attempts` times at most, 1 s, 2 s… apart. */
export async function withReadRetries<T extends { kind: string; retryable?: boolean }>(
  read: () => Promise<T>,
  retry: ReadRetry,
): Promise<T> {
  let answer = await read();
  for (let attempt = 2; attempt <= retry.attempts; attempt++) {
    if (answer.kind !== 'error' || !answer.retryable) break;
    await retry.sleep(1_000 * (attempt - 1));
    answer = await read();
  }
  return answer;
}

/**
 * Every accessor of a request with that result, page after page, each page told to `onPage` as
 * it comes. Throws when a page cannot be read after `attempts` tries.
 */
export async function allAccessors(
  endpoint: ApiEndpoint,
  requestId: string,
  kind: AccessorResultKind,
  retry: ReadRetry,
  onPage?: (items: readonly AccessorResult[]) => void,
): Promise<AccessorResult[]> {
  const all: AccessorResult[] = [];
  let nextToken: string | undefined;
  do {
    const token = nextToken;
    const page = await withReadRetries(
      () => getAccessorPage(endpoint, requestId, kind, token),
      retry,
    );
    if (page.kind !== 'page')
      throw new Error(`Could not list the ${kind} accessors of ${requestId}: ${page.message}`);
    all.push(...page.items);
    onPage?.(page.items);
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return all;
}

/**
 * A call the API did not answer with what was asked: `HTTP 500: its message`, once. A 404 the
 * pipeline did not write (a gateway's route miss, an HTML page) means the URL is wrong.
 */
function refusal(
  url: URL,
  answer: ApiAnswer,
  parsed: Record<string, unknown> | undefined,
): ApiError {
  const detail = detailOf(answer.text, parsed);
  if (answer.status === 404 && !isRequestNotFound(parsed)) {
    return notTheApi(url, 404, `HTTP 404${detail === '' ? '' : ` (${detail})`}`);
  }
  return {
    kind: 'error',
    message: detail === '' ? `HTTP ${answer.status}` : `HTTP ${answer.status}: ${detail}`,
    retryable: answer.status === 429 || answer.status >= 500,
    statusCode: answer.status,
  };
}

/** No answer: worth another try unless the failure would repeat (a host that does not resolve). */
function unreachable(endpoint: ApiEndpoint, answer: ApiUnreachable): ApiError {
  return { kind: 'error', message: answer.message, retryable: !failsAgain(endpoint, answer.code) };
}

function notTheApi(url: URL, statusCode: number, answered: string): ApiError {
  return {
    kind: 'error',
    message: `${url.href} answered ${answered}, which does not look like the pipeline's API: check --url`,
    retryable: false,
    statusCode,
  };
}

/** The longest API message or body excerpt an error message quotes. */
const DETAIL_MAX_LENGTH = 200;

/** The API's `message`, or else the body as one short line without markup; may be empty. */
function detailOf(text: string, parsed: Record<string, unknown> | undefined): string {
  return oneLine(
    stringField(parsed, 'message') ?? text.replace(/<[^>]*>/g, ' '),
    DETAIL_MAX_LENGTH,
  );
}

/** The status API's own 404 (`ResourceNotFoundException`), not a route that does not exist. */
function isRequestNotFound(parsed: Record<string, unknown> | undefined): boolean {
  return (
    parsed?.resourceType === 'request' ||
    /^Request .* not found/.test(stringField(parsed, 'message') ?? '')
  );
}

const ACCESSOR_COUNTS = ['total', 'invited', 'skipped', 'pending', 'failed'] as const;

/** Whether an answer holds what a request status needs to be printed and followed. */
function isRequestStatus(value: unknown): value is RequestStatus {
  if (!isJsonObject(value)) return false;
  const { requestId, status, accessors, failures } = value;
  return (
    typeof requestId === 'string' &&
    typeof status === 'string' &&
    isJsonObject(accessors) &&
    ACCESSOR_COUNTS.every((count) => typeof accessors[count] === 'number') &&
    Array.isArray(failures) &&
    failures.every(
      (failure) =>
        isJsonObject(failure) &&
        typeof failure.errorType === 'string' &&
        typeof failure.errorMessage === 'string' &&
        typeof failure.accessorCount === 'number',
    )
  );
}
