import type { RequestStatus } from '../../shared/domain/request-status.ts';
import { REQUEST_STATUSES } from '../../shared/domain/request-status.ts';
import { runConcurrently } from '../../shared/lib/run-concurrently.ts';
import type { ApiEndpoint } from './api-call.ts';
import { formatBar, formatCount, type StatusDisplay } from './progress.ts';
import { allAccessors, getRequestStatus } from './status-client.ts';

/** One accessor that was not invited, as the report lists it. */
export interface NotInvited {
  accessorId: string;
  /**
   * `failed`: not invited, with the reason; `skipped`: invited to the space recently already;
   * `not-accepted`: its request was refused; `unknown`: its request failed but may have been
   * queued, or (until the run has finished) the run has not learnt its outcome yet.
   */
  result: 'failed' | 'skipped' | 'not-accepted' | 'unknown';
  errorType: string;
  errorMessage: string;
  requestId?: string;
}

export interface FollowOptions {
  endpoint: ApiEndpoint;
  display: StatusDisplay;
  /** Rejects when `signal` aborts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
  /** Shortest wait between two polls; the API's Retry-After is honoured up to 10 s. */
  pollIntervalMs?: number;
}

export interface FollowResult {
  statuses: RequestStatus[];
  /** Every accessor of a settled request that was not invited. */
  notInvited: NotInvited[];
  /** False when the wait was interrupted, or a request could not be followed, before every request settled. */
  complete: boolean;
  /** Requests whose status could not be read to the end (refused, unknown, or failing too long). */
  unfollowed: string[];
}

const MAX_POLL_MS = 10_000;
const PARALLEL_POLLS = 4;
/** Polls of one request that may fail one after another (5xx, unreachable) before it is given up. */
const MAX_FAILED_POLLS = 10;

/** `[#####.....] 12,000 of 50,000 invited  0 skipped  1,200 failed  36,800 pending`. */
export function formatStatusProgress(statuses: readonly RequestStatus[], total: number): string {
  const sum = (key: keyof RequestStatus['accessors']) =>
    statuses.reduce((all, status) => all + status.accessors[key], 0);
  const done = sum('invited') + sum('skipped');
  return (
    `${formatBar(done + sum('failed'), total)} ${formatCount(sum('invited'))} of ${formatCount(total)} invited  ` +
    `${formatCount(sum('skipped'))} skipped  ${formatCount(sum('failed'))} failed  ` +
    `${formatCount(Math.max(0, total - done - sum('failed')))} pending`
  );
}

/**
 * Follows accepted requests through `GET /requests/{id}` until none is Running, showing one
 * progress line, then lists every accessor that failed or was skipped, with its reason.
 * Stops early, with `complete: false`, when `signal` aborts.
 */
export async function followRequests(
  requestIds: readonly string[],
  total: number,
  options: FollowOptions,
): Promise<FollowResult> {
  const { endpoint, display, signal } = options;
  const latest = new Map<string, RequestStatus>();
  const pending = new Set(requestIds);
  const failedPolls = new Map<string, number>();
  const unfollowed: string[] = [];
  let complete = true;
  while (pending.size > 0) {
    let waitMs = MAX_POLL_MS;
    await runConcurrently([...pending], PARALLEL_POLLS, async (requestId) => {
      const answer = await getRequestStatus(endpoint, requestId);
      if (answer.kind === 'status') {
        failedPolls.delete(requestId);
        latest.set(requestId, answer.status);
        if (answer.status.status !== REQUEST_STATUSES.running) pending.delete(requestId);
        else waitMs = Math.min(waitMs, answer.retryAfterMs ?? MAX_POLL_MS);
        return;
      }
      const failures = (failedPolls.get(requestId) ?? 0) + 1;
      failedPolls.set(requestId, failures);
      if (answer.kind === 'notFound' || !answer.retryable || failures >= MAX_FAILED_POLLS) {
        display.log(`request ${requestId}: cannot follow it (${answer.message})`);
        pending.delete(requestId);
        unfollowed.push(requestId);
      }
    });
    display.status(formatStatusProgress([...latest.values()], total));
    if (pending.size === 0) break;
    try {
      await options.sleep(
        Math.max(options.pollIntervalMs ?? 1_000, Math.min(waitMs, MAX_POLL_MS)),
        signal,
      );
    } catch {
      complete = false;
      break;
    }
  }
  display.end();
  const notInvited: NotInvited[] = [];
  const retry = { attempts: 3, sleep: (ms: number) => options.sleep(ms) };
  for (const status of latest.values()) {
    // A request given up on is listed as not followed; its accessors are not read either.
    if (unfollowed.includes(status.requestId)) continue;
    for (const kind of ['failed', 'skipped'] as const) {
      if (status.accessors[kind] === 0) continue;
      let items: Awaited<ReturnType<typeof allAccessors>>;
      try {
        items = await allAccessors(endpoint, status.requestId, kind, retry);
      } catch (error) {
        display.log(
          `request ${status.requestId}: cannot list its ${kind} accessors (${(error as Error).message})`,
        );
        unfollowed.push(status.requestId);
        break;
      }
      for (const item of items) {
        notInvited.push({
          accessorId: item.accessorId,
          result: kind,
          errorType: item.errorType ?? (kind === 'skipped' ? 'AlreadyInvited' : 'UnknownError'),
          errorMessage:
            item.errorMessage ?? (kind === 'skipped' ? 'Invited to the space recently' : ''),
          requestId: status.requestId,
        });
      }
    }
  }
  return {
    statuses: [...latest.values()],
    notInvited,
    complete: complete && unfollowed.length === 0,
    unfollowed,
  };
}
