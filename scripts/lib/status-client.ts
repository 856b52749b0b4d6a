import { parseJsonObject, stringField } from '../../shared/domain/json-object.ts';
import type { AccessorResult, AccessorResultKind } from '../../shared/domain/request-record.ts';
import type { RequestStatus } from '../../shared/domain/request-status.ts';
import { parseRetryAfter } from '../../shared/lib/retry-after.ts';
import { type ApiEndpoint, apiUrl, callApi } from './api-call.ts';

/** A request's status, or why it could not be read. */
export type StatusAnswer =
  | { kind: 'status'; status: RequestStatus; retryAfterMs?: number }
  | { kind: 'notFound'; message: string }
  | { kind: 'error'; message: string; retryable: boolean };

/** One page of accessors, or why it could not be read. */
export type AccessorsAnswer =
  | { kind: 'page'; items: AccessorResult[]; nextToken?: string }
  | { kind: 'error'; message: string; retryable: boolean };

/** Reads `GET /requests/{requestId}`; never rejects. */
export async function getRequestStatus(
  endpoint: ApiEndpoint,
  requestId: string,
): Promise<StatusAnswer> {
  const answer = await callApi(endpoint, {
    method: 'GET',
    url: apiUrl(endpoint.baseUrl, `/requests/${encodeURIComponent(requestId)}`),
  });
  if (answer.kind === 'unreachable')
    return { kind: 'error', message: answer.message, retryable: true };
  const parsed = parseJsonObject(answer.text);
  if (answer.status === 200 && parsed && typeof parsed.accessors === 'object') {
    const retryAfterMs = parseRetryAfter(answer.headers.get('retry-after'));
    return {
      kind: 'status',
      status: parsed as unknown as RequestStatus,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }
  const message = stringField(parsed, 'message') ?? `HTTP ${answer.status}`;
  if (answer.status === 404) return { kind: 'notFound', message };
  return {
    kind: 'error',
    message: `HTTP ${answer.status}: ${message}`,
    retryable: answer.status === 429 || answer.status >= 500,
  };
}

/** Reads one page of `GET /requests/{requestId}/accessors`; never rejects. */
export async function getAccessorPage(
  endpoint: ApiEndpoint,
  requestId: string,
  kind: AccessorResultKind,
  nextToken?: string,
): Promise<AccessorsAnswer> {
  const query = { status: kind, limit: '1000', ...(nextToken === undefined ? {} : { nextToken }) };
  const answer = await callApi(endpoint, {
    method: 'GET',
    url: apiUrl(endpoint.baseUrl, `/requests/${encodeURIComponent(requestId)}/accessors`, query),
  });
  if (answer.kind === 'unreachable')
    return { kind: 'error', message: answer.message, retryable: true };
  const parsed = parseJsonObject(answer.text);
  if (answer.status === 200 && Array.isArray(parsed?.items)) {
    const next = stringField(parsed, 'nextToken');
    return {
      kind: 'page',
      items: parsed.items as AccessorResult[],
      ...(next === undefined ? {} : { nextToken: next }),
    };
  }
  const message = stringField(parsed, 'message') ?? `HTTP ${answer.status}`;
  return {
    kind: 'error',
    message: `HTTP ${answer.status}: ${message}`,
    retryable: answer.status === 429 || answer.status >= 500,
  };
}

/**
 * Every accessor of a request with that result, page after page. Throws when a page cannot be
 * read after `attempts` tries.
 */
export async function allAccessors(
  endpoint: ApiEndpoint,
  requestId: string,
  kind: AccessorResultKind,
  retry: { attempts: number; sleep: (ms: number) => Promise<void> },
): Promise<AccessorResult[]> {
  const all: AccessorResult[] = [];
  let nextToken: string | undefined;
  do {
    let page: AccessorsAnswer | undefined;
    for (let attempt = 1; attempt <= retry.attempts; attempt++) {
      page = await getAccessorPage(endpoint, requestId, kind, nextToken);
      if (page.kind === 'page' || !page.retryable) break;
      await retry.sleep(1_000 * attempt);
    }
    if (page?.kind !== 'page')
      throw new Error(`Could not list the ${kind} accessors of ${requestId}: ${page?.message}`);
    all.push(...page.items);
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return all;
}
