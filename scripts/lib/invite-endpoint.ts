import type { FieldProblem } from '../../shared/domain/errors.ts';
import { parseJsonObject, stringField } from '../../shared/domain/json-object.ts';
import { parseRetryAfter } from '../../shared/lib/retry-after.ts';
import type { RequestSigner } from './sign-request.ts';

/** The intake's 202 answer. */
export interface AcceptedAttempt {
  kind: 'accepted';
  status: number;
  requestId: string;
  accessorCount: number;
  messageCount: number;
}

/** An HTTP error answer, shaped like the service's errors where the intake wrote it. */
export interface RefusedAttempt {
  kind: 'refused';
  status: number;
  errorType?: string;
  message: string;
  fieldList?: FieldProblem[];
  retryAfterMs?: number;
}

/** No answer: the connection failed or the request timed out. */
export interface UnreachableAttempt {
  kind: 'unreachable';
  message: string;
}

export type InviteAttempt = AcceptedAttempt | RefusedAttempt | UnreachableAttempt;

export interface InviteEndpoint {
  /** The API's base URL, e.g. `https://abc123.execute-api.eu-west-1.amazonaws.com`. */
  baseUrl: URL;
  sign: RequestSigner;
  timeoutMs: number;
  fetch?: typeof fetch;
}

/** `{base}/spaces/{spaceId}/invite`, keeping any path (an API stage) the base URL has. */
export function inviteUrl(baseUrl: URL, spaceId: string): URL {
  const url = new URL(baseUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/spaces/${encodeURIComponent(spaceId)}/invite`;
  return url;
}

/** Sends one signed invite request and reads its answer; never rejects. */
export async function postInviteRequest(
  endpoint: InviteEndpoint,
  spaceId: string,
  body: string,
): Promise<InviteAttempt> {
  const url = inviteUrl(endpoint.baseUrl, spaceId);
  const send = endpoint.fetch ?? fetch;
  let headers: Record<string, string>;
  try {
    headers = await endpoint.sign({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json' },
      body,
    });
  } catch (error) {
    return {
      kind: 'unreachable',
      message: `could not sign the request: ${(error as Error).message}`,
    };
  }
  let response: Response;
  let text: string;
  try {
    const deadline = AbortSignal.timeout(endpoint.timeoutMs);
    response = await send(url, { method: 'POST', headers, body, signal: deadline });
    text = await response.text();
  } catch (error) {
    return { kind: 'unreachable', message: describeFailure(error) };
  }
  const parsed = parseJsonObject(text);
  if (response.ok && typeof parsed?.accessorCount === 'number') {
    return {
      kind: 'accepted',
      status: response.status,
      requestId:
        stringField(parsed, 'requestId') ??
        response.headers.get('apigw-requestid') ??
        response.headers.get('x-amzn-requestid') ??
        '',
      accessorCount: numberField(parsed, 'accessorCount'),
      messageCount: numberField(parsed, 'messageCount'),
    };
  }
  const refused: RefusedAttempt = {
    kind: 'refused',
    status: response.status,
    message: response.ok
      ? `HTTP ${response.status} without the intake's answer; is the URL the invite API?`
      : (stringField(parsed, 'message') ??
        stringField(parsed, 'Message') ??
        (text.trim().slice(0, 200) || response.statusText || 'no message')),
  };
  const errorType = response.headers.get('x-amzn-errortype')?.split(':')[0];
  if (errorType) refused.errorType = errorType;
  const fieldList = fieldProblems(parsed?.fieldList);
  if (fieldList.length > 0) refused.fieldList = fieldList;
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
  if (retryAfterMs !== undefined) refused.retryAfterMs = retryAfterMs;
  return refused;
}

/** fetch reports every transport failure as "fetch failed"; the cause says which. */
function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return 'no answer in time';
  const cause = error.cause as { code?: string; message?: string } | undefined;
  return `network error: ${cause?.code ?? cause?.message ?? error.message}`;
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
