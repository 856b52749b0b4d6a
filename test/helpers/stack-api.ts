import type { LocalStack } from '../../infra/local/stack.ts';

/** An answer from the local stack's HTTP API. */
export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** Calls the local stack's HTTP API and reads its JSON answer. */
export async function callStack(
  stack: LocalStack,
  path: string,
  init: RequestInit = {},
): Promise<Answer> {
  const response = await fetch(`${stack.httpUrl}${path}`, init);
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

/** `POST /spaces/{spaceId}/invite` with a title and body, and whatever else `extra` adds. */
export function postInvite(
  stack: LocalStack,
  spaceId: string,
  accessorIds: string[],
  options: { headers?: Record<string, string>; extra?: Record<string, unknown> } = {},
): Promise<Answer> {
  return callStack(stack, `/spaces/${spaceId}/invite`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...options.headers },
    body: JSON.stringify({
      accessorIds,
      title: 'Welcome',
      body: 'Join our space',
      ...options.extra,
    }),
  });
}

/**
 * Polls `GET /requests/{id}`, as a client would, until the request is no longer Running, or
 * unknown; gives up after `timeoutMs` and returns the last answer.
 */
export async function settledStatus(
  stack: LocalStack,
  requestId: string,
  timeoutMs = 20_000,
): Promise<Answer> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await callStack(stack, `/requests/${encodeURIComponent(requestId)}`);
    const running = answer.status === 404 || answer.body.status === 'Running';
    if (!running || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
