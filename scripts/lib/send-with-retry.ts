import { failsAgain } from './api-call.ts';
import { type InviteAttempt, type InviteEndpoint, postInviteRequest } from './invite-endpoint.ts';
import type { RequestReport } from './invite-report.ts';
import { formatDuration } from './progress.ts';
import { type RetryPolicy, retryDelay } from './retry-policy.ts';

type FailedAttempt = Exclude<InviteAttempt, { kind: 'accepted' }>;

export interface RetryContext {
  endpoint: InviteEndpoint;
  spaceId: string;
  policy: RetryPolicy;
  /** Rejects when `signal` aborts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  /** Aborted, the request stops retrying; the attempt in flight finishes. */
  signal?: AbortSignal;
  /** Told of every retry, as a line for the operator. */
  log: (line: string) => void;
}

/**
 * Posts one request until it is accepted or the retry policy gives up, and records on `request`
 * its attempts and outcome. A refusal or lost answer is recorded, never thrown.
 */
export async function sendWithRetry(
  request: RequestReport,
  body: string,
  label: string,
  context: RetryContext & { idempotencyKey?: string },
): Promise<void> {
  const { endpoint, spaceId, policy, sleep, random, signal, log, idempotencyKey } = context;
  let uncertain = false;
  const fail = (attempt: FailedAttempt) => failWith(request, attempt, uncertain);
  for (;;) {
    request.attempts++;
    const attempt = await postInviteRequest(endpoint, spaceId, body, idempotencyKey);
    if (attempt.kind === 'accepted') {
      request.status = 'accepted';
      request.requestId = attempt.requestId;
      request.acceptedAccessors = attempt.accessorCount;
      request.messageCount = attempt.messageCount;
      if (attempt.replayed) request.replayed = true;
      if (attempt.dryRun) request.dryRun = attempt.dryRun;
      return;
    }
    // One attempt that may have been queued makes the request's outcome unknown for good.
    uncertain ||= mayBeQueued(attempt);
    const failure =
      attempt.kind === 'refused'
        ? { status: attempt.status, retryAfterMs: attempt.retryAfterMs }
        : // A host that answered before and now does not resolve is worth another try.
          { networkError: failsAgain(endpoint, attempt.code) ? attempt.code : undefined };
    const wait = retryDelay(failure, request.attempts, policy, random);
    if (wait === undefined || signal?.aborted) {
      fail(attempt);
      return;
    }
    log(
      `${label}: ${describeAttempt(attempt)}; retrying in ${formatDuration(wait)} ` +
        `(attempt ${request.attempts + 1} of ${policy.maxAttempts})`,
    );
    try {
      await sleep(wait, signal);
    } catch {
      fail(attempt);
      request.message = `interrupted before retrying; last answer: ${describeAttempt(attempt)}`;
      return;
    }
  }
}

// Errors of the connection's setup (name, route, TLS): the request never reached the API.
const NEVER_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * Whether the intake may have queued a request an attempt failed for: its answer was lost after
 * it went out (a dropped or timed-out connection), API Gateway gave up on the intake (a 502, a
 * 504, or a 503 that is not the intake's own: an HTTP API answers a timed-out integration so),
 * the intake failed unexpectedly (500), or an earlier attempt still holds its key (409). A
 * request never sent, or a page from something in front of the API (a proxy's HTML), was not.
 */
function mayBeQueued(attempt: FailedAttempt): boolean {
  if (attempt.kind === 'unreachable') {
    return attempt.unsent !== true && !NEVER_SENT.has(attempt.code ?? '');
  }
  if (attempt.json !== true) return false;
  if (attempt.status === 503) return attempt.intakeRetryable !== true;
  return [409, 500, 502, 504].includes(attempt.status);
}

function failWith(request: RequestReport, attempt: FailedAttempt, uncertain: boolean) {
  request.status = 'failed';
  request.message = attempt.message;
  if (uncertain) request.mayBeQueued = true;
  if (attempt.kind === 'refused') {
    request.httpStatus = attempt.status;
    if (attempt.errorType) request.errorType = attempt.errorType;
    if (attempt.fieldList) request.fieldList = attempt.fieldList;
    if (attempt.partlyQueued) {
      const { requestId, queuedParts, failedParts } = attempt.partlyQueued;
      request.requestId = requestId;
      request.partlyQueued = { queuedParts, failedParts };
    }
  }
}

function describeAttempt(attempt: FailedAttempt): string {
  if (attempt.kind === 'unreachable') return attempt.message;
  const type = attempt.errorType ? ` ${attempt.errorType}` : '';
  return `HTTP ${attempt.status}${type}: ${attempt.message}`;
}
