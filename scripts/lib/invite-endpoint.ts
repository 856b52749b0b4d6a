import type { FieldProblem } from '../../shared/domain/errors.ts';
import { parseJsonObject, stringField } from '../../shared/domain/json-object.ts';
import { parseRetryAfter } from '../../shared/lib/retry-after.ts';
import { type ApiAnswer, type ApiEndpoint, apiUrl, callApi, oneLine } from './api-call.ts';

/** The intake's 202 answer. */
export interface AcceptedAttempt {
  kind: 'accepted';
  status: number;
  requestId: string;
  accessorCount: number;
  messageCount: number;
  /** The API answered an earlier request with the same idempotency key. */
  replayed: boolean;
  /** A dry run's answer: how many were invited recently, how many would be now. */
  dryRun?: { alreadyInvited: number; wouldInvite: number };
}

/** An HTTP error answer, shaped like the service's errors where the intake wrote it. */
export interface RefusedAttempt {
  kind: 'refused';
  status: number;
  errorType?: string;
  message: string;
  fieldList?: FieldProblem[];
  retryAfterMs?: number;
  /** Its body was JSON, as API Gateway's and the intake's are, not a page from a proxy. */
  json?: boolean;
  /** The intake's own 503 (`"retryable": true`): nothing was queued but what `partlyQueued` names. */
  intakeRetryable?: boolean;
  /**
   * A 503 for a request some of whose parts were queued: the request they were queued under,
   * and which parts were queued and which not.
   */
  partlyQueued?: { requestId: string; queuedParts: number[]; failedParts: number[] };
}

/** No answer: the connection failed or the request timed out. */
export interface UnreachableAttempt {
  kind: 'unreachable';
  message: string;
  /** The transport's error code (`ENOTFOUND`, …) when it gave one. */
  code?: string;
  /** The request never left this process (it could not be signed). */
  unsent?: true;
}

export type InviteAttempt = AcceptedAttempt | RefusedAttempt | UnreachableAttempt;

export type InviteEndpoint = ApiEndpoint;

/** `{base}/spaces/{spaceId}/invite`, keeping any path (an API stage) the base URL has. */
export function inviteUrl(baseUrl: URL, spaceId: string): URL {
  return apiUrl(baseUrl, `/spaces/${encodeURIComponent(spaceId)}/invite`);
}

/**
 * Sends one signed invite request and reads its answer; never rejects. The idempotency key makes
 * a retry of a request whose answer was lost (or a 503) safe.
 */
export async function postInviteRequest(
  endpoint: InviteEndpoint,
  spaceId: string,
  body: string,
  idempotencyKey?: string,
): Promise<InviteAttempt> {
  const answer = await callApi(endpoint, {
    method: 'POST',
    url: inviteUrl(endpoint.baseUrl, spaceId),
    headers: {
      'content-type': 'application/json',
      ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }),
    },
    body,
  });
  if (answer.kind === 'unreachable') return answer;
  const parsed = parseJsonObject(answer.text);
  const ok = answer.status >= 200 && answer.status < 300;
  if (ok && typeof parsed?.accessorCount === 'number') {
    return {
      kind: 'accepted',
      status: answer.status,
      requestId:
        stringField(parsed, 'requestId') ??
        answer.headers.get('apigw-requestid') ??
        answer.headers.get('x-amzn-requestid') ??
        '',
      accessorCount: numberField(parsed, 'accessorCount'),
      messageCount: numberField(parsed, 'messageCount'),
      replayed: answer.headers.get('idempotent-replayed') === 'true',
      ...(parsed.dryRun === true
        ? {
            dryRun: {
              alreadyInvited: numberField(parsed, 'alreadyInvited'),
              wouldInvite: numberField(parsed, 'wouldInvite'),
            },
          }
        : {}),
    };
  }
  return refusal(answer, parsed, ok);
}

/** The most of a body that is not the API's JSON shown in a message. */
const MAX_EXCERPT = 100;

/**
 * An answer that is not the intake's 202, as a `RefusedAttempt`. Its message never repeats the
 * status, which is printed beside it, and never holds a page of HTML (a proxy's or load balancer's).
 */
function refusal(
  answer: ApiAnswer,
  parsed: Record<string, unknown> | undefined,
  ok: boolean,
): RefusedAttempt {
  const refused: RefusedAttempt = {
    kind: 'refused',
    status: answer.status,
    message: ok
      ? `without the intake's answer${inParentheses(contentType(answer))}; is --url the invite API?`
      : (stringField(parsed, 'message') ?? stringField(parsed, 'Message') ?? bodyExcerpt(answer)),
  };
  if (parsed !== undefined) refused.json = true;
  if (parsed?.retryable === true) refused.intakeRetryable = true;
  const errorType = answer.headers.get('x-amzn-errortype')?.split(':')[0];
  if (errorType) refused.errorType = errorType;
  const fieldList = fieldProblems(parsed?.fieldList);
  if (fieldList.length > 0) refused.fieldList = fieldList;
  const retryAfterMs = parseRetryAfter(answer.headers.get('retry-after'));
  if (retryAfterMs !== undefined) refused.retryAfterMs = retryAfterMs;
  const requestId = stringField(parsed, 'requestId');
  const queuedParts = partNumbers(parsed?.queuedParts);
  if (requestId && queuedParts.length > 0) {
    refused.partlyQueued = {
      requestId,
      queuedParts,
      failedParts: partNumbers(parsed?.failedParts),
    };
  }
  return refused;
}

/** A body the API did not shape: a short single line of it, or only its type for a page. */
function bodyExcerpt(answer: ApiAnswer): string {
  const excerpt = oneLine(answer.text, MAX_EXCERPT);
  if (excerpt === '') return 'no message';
  const type = contentType(answer);
  if (/html|xml/i.test(type ?? '') || excerpt.startsWith('<')) {
    return `with ${type ? `a ${type}` : 'an HTML'} page, not the API's answer`;
  }
  return `${excerpt}${inParentheses(type)}`;
}

/** The answer's media type, without parameters (`text/html`). */
function contentType(answer: ApiAnswer): string | undefined {
  return answer.headers.get('content-type')?.split(';')[0]?.trim() || undefined;
}

function inParentheses(text: string | undefined): string {
  return text ? ` (${text})` : '';
}

function partNumbers(value: unknown): number[] {
  return Array.isArray(value) ? value.filter((part) => Number.isSafeInteger(part)) : [];
}

function numberField(object: Record<string, unknown> | undefined, name: string): number {
  const value = object?.[name];
  return typeof value === 'number' ? value : 0;
}

function fieldProblems(value: unknown): FieldProblem[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null)
    .map((item) => ({ name: String(item.name ?? ''), message: String(item.message ?? '') }));
}
