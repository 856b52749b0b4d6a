import { randomUUID } from 'node:crypto';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { Environment } from '../../shared/config/environment.ts';
import { runConcurrently } from '../../shared/lib/run-concurrently.ts';
import { sleep } from '../../shared/lib/sleep.ts';
import { type FollowResult, followRequests } from './follow-requests.ts';
import type { InviteEndpoint } from './invite-endpoint.ts';
import { INVITE_DEFAULTS, type InviteOptions } from './invite-options.ts';
import { planInvite } from './invite-plan.ts';
import {
  describeFailure,
  formatSummary,
  type InviteReport,
  prepareReport,
  type RequestReport,
  unsentRequests,
  writeReport,
} from './invite-report.ts';
import { resolveInviteSigner } from './invite-signer.ts';
import { formatCount, formatInviteProgress, type ScriptOutput, StatusDisplay } from './progress.ts';
import { readResumeKeys } from './resume-report.ts';
import { DEFAULT_RETRY_POLICY } from './retry-policy.ts';
import { sendWithRetry } from './send-with-retry.ts';
import { inviteRequestBody } from './split-requests.ts';

export type { InviteReport, RequestReport } from './invite-report.ts';

/** What the command needs from its surroundings; tests supply their own. */
export interface InviteIo {
  stdout: ScriptOutput;
  stderr: ScriptOutput;
  env: Environment;
  /** Defaults to the SDK's default credential chain. */
  credentials?: AwsCredentialIdentityProvider;
  fetch?: typeof fetch;
  /** Rejects when `signal` aborts. Defaults to a timer. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  /** Aborting stops new requests and retries; requests in flight finish. */
  signal?: AbortSignal;
  /** Dates the report and paces the progress lines printed off a terminal. */
  now?: () => Date;
  /** Names this run in its requests' idempotency keys; random by default. */
  runId?: string;
}

/**
 * Invites every accessor in `options.file` through the invite API: validates everything
 * first, splits the IDs into requests, and sends them a few at a time, retrying throttles,
 * server errors and lost connections. Throws `UsageError` (or `AccessorFileError`) before
 * any request is sent; otherwise resolves to the report, failed requests included.
 */
export async function runInvite(options: InviteOptions, io: InviteIo): Promise<InviteReport> {
  const now = io.now ?? (() => new Date());
  const startedAt = now().toISOString();
  const { baseUrl, accessorIds, duplicates, batches } = await planInvite(options);
  // Read before the report is prepared: it may be the very file the report replaces.
  const resumed =
    options.resume === undefined
      ? undefined
      : await readResumeKeys(options.resume, { spaceId: options.spaceId, batches });
  const signer = await resolveInviteSigner(options, baseUrl, io);
  const follow = options.wait === true && !options.dryRun;
  if (options.report !== undefined) {
    await prepareReport(options.report, {
      accessorFile: options.file,
      notInvitedCsv: follow,
      accessorIds,
      startedAt,
    });
  }
  const endpoint: InviteEndpoint = {
    baseUrl,
    sign: signer.sign,
    timeoutMs: options.requestTimeoutMs ?? INVITE_DEFAULTS.requestTimeoutMs,
    ...(io.fetch ? { fetch: io.fetch } : {}),
  };
  const concurrency = options.concurrency ?? INVITE_DEFAULTS.concurrency;
  const display = new StatusDisplay(io.stdout, { now: () => now().getTime() });
  const retry = {
    endpoint,
    spaceId: options.spaceId,
    policy: options.retry ?? DEFAULT_RETRY_POLICY,
    sleep: io.sleep ?? sleep,
    random: io.random ?? Math.random,
    ...(io.signal ? { signal: io.signal } : {}),
    log: (line: string) => display.log(line),
  };

  const skipped = duplicates > 0 ? `; ${plural(duplicates, 'repeated ID')} skipped` : '';
  const pace = batches.length > 1 ? `, ${Math.min(concurrency, batches.length)} at a time` : '';
  const doing = options.dryRun ? 'Dry run: checking' : 'Inviting';
  const where = `${options.dryRun ? 'for' : 'to'} ${options.spaceId}`;
  display.log(
    `${doing} ${plural(accessorIds.length, 'accessor')} ${where} in ` +
      `${plural(batches.length, 'request')}${pace} (${signer.description})${skipped}`,
  );

  const requests = unsentRequests(batches);
  const progress = {
    doneIds: 0,
    totalIds: accessorIds.length,
    doneRequests: 0,
    totalRequests: batches.length,
    failedRequests: 0,
  };
  display.status(formatInviteProgress(progress));

  // A key per request of this run: a retry after a lost answer or a 503 is answered, or
  // completed, by the API instead of queueing the accessors twice.
  const runId = io.runId ?? randomUUID();
  await runConcurrently(requests, concurrency, async function sendRequest(request) {
    if (io.signal?.aborted) return;
    const ids = batches[request.index - 1] as string[];
    const label = `request ${request.index}/${batches.length}`;
    // A dry run records nothing, so it needs no key.
    if (!options.dryRun) {
      request.idempotencyKey = resumed?.get(request.index) ?? `invite-${runId}-${request.index}`;
    }
    const flags = { resend: options.resend === true, dryRun: options.dryRun === true };
    const body = inviteRequestBody(ids, options.title, options.body, flags);
    await sendWithRetry(request, body, label, {
      ...retry,
      ...(request.idempotencyKey ? { idempotencyKey: request.idempotencyKey } : {}),
    });
    progress.doneIds += request.accessorCount;
    progress.doneRequests++;
    if (request.status === 'accepted') {
      if (!display.tty) {
        const retried = request.attempts > 1 ? ` after ${request.attempts} attempts` : '';
        const accessors = `${formatCount(request.acceptedAccessors ?? 0)} accessors`;
        display.log(
          request.dryRun
            ? `${label} checked${retried}: ${accessors}, ${formatCount(request.dryRun.alreadyInvited)} ` +
                `invited recently, ${formatCount(request.dryRun.wouldInvite)} would be invited`
            : `${label} accepted${retried}: ${accessors}, ` +
                `${plural(request.messageCount ?? 0, 'message')}, request ID ${request.requestId}`,
        );
      }
    } else {
      progress.failedRequests++;
      display.log(`${label} failed: ${describeFailure(request)}`);
    }
    display.status(formatInviteProgress(progress));
  });
  display.end();

  const accessorsOf = (of: readonly RequestReport[]) =>
    of.flatMap((request) => batches[request.index - 1] as string[]);
  const accepted = requests.filter((request) => request.status === 'accepted');
  // Failed with some parts queued: followed like the accepted, never listed to send again.
  const partly = requests.filter((request) => request.partlyQueued !== undefined);
  const followable = [...accepted, ...partly];
  const report: InviteReport = {
    url: options.url,
    ...(options.dryRun ? { dryRun: true } : {}),
    spaceId: options.spaceId,
    file: options.file,
    signed: signer.signed,
    startedAt,
    finishedAt: now().toISOString(),
    accessorCount: accessorIds.length,
    duplicatesSkipped: duplicates,
    requestsAccepted: accepted.length,
    requestsFailed: requests.length - accepted.length,
    accessorsAccepted: accepted.reduce((sum, request) => sum + (request.acceptedAccessors ?? 0), 0),
    messagesQueued: accepted.reduce((sum, request) => sum + (request.messageCount ?? 0), 0),
    requestIds: accepted.map((request) => request.requestId ?? ''),
    requests,
    failedAccessorIds: accessorsOf(
      requests.filter(
        (request) =>
          request.status !== 'accepted' && !partly.includes(request) && !request.mayBeQueued,
      ),
    ),
    uncertainAccessorIds: accessorsOf(
      requests.filter((request) => request.mayBeQueued && !partly.includes(request)),
    ),
  };
  if (follow) {
    // Built even when nothing is left to follow, so the refused requests' accessors are listed.
    let followed: FollowResult = {
      statuses: [],
      notInvited: [],
      complete: !io.signal?.aborted,
      unfollowed: [],
    };
    if (followable.length > 0 && !io.signal?.aborted) {
      display.log(
        `Following ${plural(followable.length, 'request')} until every accessor is settled…`,
      );
      followed = await followRequests(
        followable.map((request) => request.requestId ?? ''),
        report.accessorsAccepted + partly.reduce((sum, request) => sum + request.accessorCount, 0),
        {
          endpoint,
          display,
          sleep: retry.sleep,
          ...(io.signal ? { signal: io.signal } : {}),
          ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}),
        },
      );
    }
    report.outcome = summarizeOutcome(followed, report, batches);
    // The run ends when the following does.
    report.finishedAt = now().toISOString();
  }
  io.stdout.write(formatSummary(report, options.report));
  if (options.report !== undefined) await writeReport(options.report, report);
  return report;
}

/** The report's `outcome`: the statuses' counts, and every accessor not invited, refused requests' included. */
function summarizeOutcome(
  followed: FollowResult,
  report: InviteReport,
  batches: readonly (readonly string[])[],
): NonNullable<InviteReport['outcome']> {
  const sum = (key: 'invited' | 'skipped' | 'failed' | 'pending') =>
    followed.statuses.reduce((all, status) => all + status.accessors[key], 0);
  // A request whose status was never read (given up on, or not followed at all after an
  // interruption): its accessors are as good as pending.
  const read = new Set(followed.statuses.map((status) => status.requestId));
  const unread = report.requests
    .filter(
      (request) =>
        (request.status === 'accepted' || request.partlyQueued) &&
        !read.has(request.requestId ?? ''),
    )
    .reduce((all, request) => all + (request.acceptedAccessors ?? request.accessorCount), 0);
  // A request partly queued is followed: its status says which of its accessors failed. One
  // that may have been queued though it failed cannot be: its accessors are unknown.
  const refused = report.requests
    .filter((request) => request.status !== 'accepted' && !request.partlyQueued)
    .flatMap((request) =>
      (batches[request.index - 1] ?? []).map((accessorId) => ({
        accessorId,
        result: request.mayBeQueued ? ('unknown' as const) : ('not-accepted' as const),
        errorType: request.errorType ?? (request.mayBeQueued ? 'MayBeQueued' : 'NotAccepted'),
        errorMessage: describeFailure(request),
      })),
    );
  const unknown = refused.filter((row) => row.result === 'unknown').length;
  return {
    complete: followed.complete,
    invited: sum('invited'),
    skipped: sum('skipped'),
    failed: sum('failed') + refused.length - unknown,
    pending: sum('pending') + unread,
    unknown,
    unfollowed: followed.unfollowed,
    statuses: followed.statuses,
    notInvited: [...followed.notInvited, ...refused],
  };
}

function plural(count: number, noun: string): string {
  return `${formatCount(count)} ${noun}${count === 1 ? '' : 's'}`;
}
