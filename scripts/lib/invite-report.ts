import { realpath, stat, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { FieldProblem } from '../../shared/domain/errors.ts';
import type { RequestStatus as LedgerStatus } from '../../shared/domain/request-status.ts';
import { formatCsvRow } from './csv.ts';
import { UsageError } from './errors.ts';
import type { NotInvited } from './follow-requests.ts';
import { formatCount } from './progress.ts';

export type RequestStatus = 'accepted' | 'failed' | 'not-sent';

/** One request of the run, as the report file lists it. */
export interface RequestReport {
  /** 1-based. */
  index: number;
  /** 1-based position of its first accessor in the de-duplicated list. */
  firstAccessor: number;
  accessorCount: number;
  status: RequestStatus;
  attempts: number;
  requestId?: string;
  /** The key that makes retrying this request safe (`Idempotency-Key`). */
  idempotencyKey?: string;
  /** The API had accepted it already: a retry found the first answer. */
  replayed?: boolean;
  /** A dry run's answer for this request. */
  dryRun?: { alreadyInvited: number; wouldInvite: number };
  acceptedAccessors?: number;
  messageCount?: number;
  httpStatus?: number;
  errorType?: string;
  message?: string;
  fieldList?: FieldProblem[];
  /**
   * Failed with some of its parts queued (a 503 that retries did not cure) under `requestId`:
   * those parts are delivered, and its status names the accessors of the others as failed.
   */
  partlyQueued?: { queuedParts: number[]; failedParts: number[] };
  /**
   * Failed, but an attempt's answer was lost or came from a gateway that gave up on the intake:
   * the intake may have queued it. Its accessors are in `uncertainAccessorIds`.
   */
  mayBeQueued?: true;
}

export interface InviteReport {
  url: string;
  /** Only asked who would be invited. */
  dryRun?: boolean;
  spaceId: string;
  file: string;
  signed: boolean;
  startedAt: string;
  finishedAt: string;
  accessorCount: number;
  duplicatesSkipped: number;
  requestsAccepted: number;
  requestsFailed: number;
  accessorsAccepted: number;
  messagesQueued: number;
  requestIds: string[];
  requests: RequestReport[];
  /**
   * Accessors of every request nothing of which was queued, to retry from a file. A request
   * partly queued is not in it: its status lists which of its accessors were not queued.
   */
  failedAccessorIds: string[];
  /**
   * Accessors of every failed request that may have been queued all the same (`mayBeQueued`):
   * to send again without `--resend`, so that invite-once skips anyone invited meanwhile.
   */
  uncertainAccessorIds: string[];
  /** With `--wait`: how every accepted request ended, and every accessor not invited. */
  outcome?: {
    complete: boolean;
    invited: number;
    skipped: number;
    failed: number;
    pending: number;
    /** Accessors of requests that failed but may have been queued: nobody knows. */
    unknown: number;
    /** Requests whose status could not be read to the end: their pending accessors are unconfirmed. */
    unfollowed: string[];
    statuses: LedgerStatus[];
    notInvited: NotInvited[];
  };
}

/** The CSV written beside a report: one row per accessor not invited, with the reason. */
export function notInvitedCsv(rows: readonly NotInvited[]): string {
  const lines = [formatCsvRow(['accessorId', 'result', 'errorType', 'errorMessage', 'requestId'])];
  for (const row of rows) {
    lines.push(
      formatCsvRow([
        row.accessorId,
        row.result,
        row.errorType,
        row.errorMessage,
        row.requestId ?? '',
      ]),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The CSV file beside a JSON report: `report.json` → `report.csv`. */
export function csvPathOf(reportPath: string): string {
  return reportPath.replace(/(\.json)?$/i, '.csv');
}

/** Request IDs named in the printed summary; the report file holds them all. */
const PRINTED_REQUEST_IDS = 5;

/** One `not-sent` entry a batch, each knowing where its accessors start in the list. */
export function unsentRequests(batches: readonly (readonly string[])[]): RequestReport[] {
  let firstAccessor = 1;
  return batches.map((ids, offset) => {
    const request: RequestReport = {
      index: offset + 1,
      firstAccessor,
      accessorCount: ids.length,
      status: 'not-sent',
      attempts: 0,
    };
    firstAccessor += ids.length;
    return request;
  });
}

/** What a report holds until its run has finished: a run killed midway leaves it. */
export const UNFINISHED_REPORT = {
  unfinished: true,
  message: 'The run did not finish: the outcome of every accessor is unknown',
} as const;

/** The error type of every row of the CSV until the run has finished. */
export const RUN_NOT_FINISHED = 'RunNotFinished';

/**
 * Refuses a report path that would overwrite the accessor file, then creates the report, and the
 * CSV beside it when the run writes one, before any request: a path that cannot be written fails
 * first, and no row of an earlier run survives. Until the run has finished, the report says it
 * has not, and the CSV lists every accessor as `unknown`: a run killed midway leaves nothing that
 * reads as done. Throws `UsageError`.
 */
export async function prepareReport(
  path: string,
  options: {
    accessorFile: string;
    notInvitedCsv: boolean;
    accessorIds: readonly string[];
    startedAt: string;
  },
) {
  const csvPath = csvPathOf(path);
  if (await isSameFile(path, options.accessorFile)) {
    throw new UsageError(
      `--report ${path} is the accessor file (--file ${options.accessorFile}); choose another report path`,
    );
  }
  if (options.notInvitedCsv && (await isSameFile(csvPath, options.accessorFile))) {
    throw new UsageError(
      `--report ${path} would write the accessors not invited to ${csvPath}, the accessor file (--file ${options.accessorFile}); choose another report path`,
    );
  }
  const unfinished = { ...UNFINISHED_REPORT, startedAt: options.startedAt };
  await createReportFile(path, `${JSON.stringify(unfinished, null, 2)}\n`);
  if (options.notInvitedCsv) {
    const unknown = options.accessorIds.map((accessorId) => ({
      accessorId,
      result: 'unknown' as const,
      errorType: RUN_NOT_FINISHED,
      errorMessage: UNFINISHED_REPORT.message,
    }));
    await createReportFile(csvPath, notInvitedCsv(unknown));
  }
}

/** Reports list accessor IDs, personal data: a file they create is readable by its owner only. */
const OWNER_ONLY = { mode: 0o600 } as const;

async function createReportFile(path: string, content: string) {
  try {
    await writeFile(path, content, OWNER_ONLY);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UsageError(`Cannot write the report to ${path}: ${reason}`, { cause: error });
  }
}

/** Whether two paths name one file: the same path, or through a link, the same file on disk. */
async function isSameFile(one: string, other: string): Promise<boolean> {
  if (resolve(one) === resolve(other)) return true;
  const [first, second] = await Promise.all([fileIdentity(one), fileIdentity(other)]);
  if (first === undefined || second === undefined) return false;
  if (first.path === second.path) return true;
  // Some file systems report no inode (0): there only the real paths tell.
  return first.ino !== 0n && first.dev === second.dev && first.ino === second.ino;
}

async function fileIdentity(path: string) {
  try {
    const [real, stats] = await Promise.all([realpath(path), stat(path, { bigint: true })]);
    return { path: real, dev: stats.dev, ino: stats.ino };
  } catch {
    return undefined;
  }
}

/** Writes the JSON report, and the CSV of accessors not invited beside it when there is one. */
export async function writeReport(path: string, report: InviteReport) {
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`, OWNER_ONLY);
  if (report.outcome) {
    await writeFile(csvPathOf(path), notInvitedCsv(report.outcome.notInvited), OWNER_ONLY);
  }
}

/** Why a request was not accepted, in one line. */
export function describeFailure(request: RequestReport): string {
  if (request.status === 'not-sent') return 'not sent (interrupted)';
  const status = request.httpStatus !== undefined ? `HTTP ${request.httpStatus} ` : '';
  const type = request.errorType ? `${request.errorType}: ` : '';
  const attempts = request.attempts > 1 ? ` (after ${request.attempts} attempts)` : '';
  const partly = request.partlyQueued
    ? `; ${request.partlyQueued.queuedParts.length} of ` +
      `${request.partlyQueued.queuedParts.length + request.partlyQueued.failedParts.length} ` +
      `parts were queued as request ${request.requestId}, whose status lists the accessors not queued`
    : '';
  const maybe = request.mayBeQueued ? '; it may have been queued all the same' : '';
  return `${status}${type}${request.message ?? ''}${attempts}${partly}${maybe}`;
}

/** A dry run's totals over its requests. */
export function dryRunTotals(report: InviteReport) {
  const sum = (key: 'alreadyInvited' | 'wouldInvite') =>
    report.requests.reduce((all, request) => all + (request.dryRun?.[key] ?? 0), 0);
  return { alreadyInvited: sum('alreadyInvited'), wouldInvite: sum('wouldInvite') };
}

/** The closing summary of a dry run: who was invited recently, who would be now. */
function formatDryRun(report: InviteReport): string[] {
  const { alreadyInvited, wouldInvite } = dryRunTotals(report);
  return [
    '',
    'Dry run: nothing was queued or recorded.',
    `Accessors           ${formatCount(report.accessorCount)}`,
    `Invited recently    ${formatCount(alreadyInvited)}`,
    `Would be invited    ${formatCount(wouldInvite)}`,
    `Messages            ${formatCount(report.messagesQueued)}`,
  ];
}

/** The closing summary of a run that sent requests: counts and request IDs. */
function formatAccepted(report: InviteReport, reportPath?: string): string[] {
  const total = report.requests.length;
  const ids = report.requestIds;
  const listed = ids.slice(0, PRINTED_REQUEST_IDS).join(', ');
  const more = ids.length > PRINTED_REQUEST_IDS ? ', …' : '';
  const where =
    reportPath === undefined
      ? ''
      : more === ''
        ? ` (in ${reportPath})`
        : ` (all ${formatCount(ids.length)} in ${reportPath})`;
  return [
    '',
    `Requests accepted   ${formatCount(report.requestsAccepted)} of ${formatCount(total)}`,
    `Accessors accepted  ${formatCount(report.accessorsAccepted)} of ${formatCount(report.accessorCount)}`,
    `Messages queued     ${formatCount(report.messagesQueued)}`,
    `Request IDs         ${ids.length === 0 ? '-' : `${listed}${more}${where}`}`,
  ];
}

/** The closing summary: counts, request IDs, and every failure with its reason. */
export function formatSummary(report: InviteReport, reportPath?: string): string {
  const lines = report.dryRun ? formatDryRun(report) : formatAccepted(report, reportPath);
  if (report.dryRun && report.requestsFailed === 0) return `${lines.join('\n')}\n`;
  lines.push(`Failures            ${formatCount(report.requestsFailed)}`);
  for (const request of report.requests) {
    if (request.status === 'accepted') continue;
    const last = request.firstAccessor + request.accessorCount - 1;
    lines.push(
      `  request ${request.index} (accessors ${formatCount(request.firstAccessor)}–${formatCount(last)}): ${describeFailure(request)}`,
    );
    for (const field of request.fieldList ?? []) lines.push(`    ${field.name}: ${field.message}`);
  }
  if (report.failedAccessorIds.length > 0 && reportPath) {
    lines.push(`The accessors not invited are listed under failedAccessorIds in ${reportPath}.`);
  }
  if (report.uncertainAccessorIds.length > 0) {
    lines.push(
      `${formatCount(report.uncertainAccessorIds.length)} accessors' requests may have been queued though they failed` +
        (reportPath
          ? ` (uncertainAccessorIds in ${reportPath}): run the same command again with --resume ${reportPath}, and none is queued twice.`
          : ': once the invites queue has drained, send them again without --resend, and invite-once skips anyone invited meanwhile.'),
    );
  }
  const { outcome } = report;
  if (outcome) {
    lines.push(
      '',
      `Invited             ${formatCount(outcome.invited)} of ${formatCount(report.accessorCount)}`,
      `Skipped             ${formatCount(outcome.skipped)} (invited to the space recently)`,
      `Failed              ${formatCount(outcome.failed)}`,
      ...(outcome.unknown > 0
        ? [
            `Unknown             ${formatCount(outcome.unknown)} (their request may have been queued)`,
          ]
        : []),
      ...(outcome.pending > 0
        ? [
            `Still pending       ${formatCount(outcome.pending)}${outcome.complete ? '' : ' (stopped waiting)'}`,
          ]
        : []),
      ...(outcome.unfollowed.length > 0
        ? [
            `Not followed        ${outcome.unfollowed.length} request(s) whose status could not be read: ${outcome.unfollowed.join(', ')}`,
          ]
        : []),
    );
    const reasons = new Map<string, number>();
    for (const row of outcome.notInvited) {
      if (row.result !== 'failed') continue;
      const reason = `${row.errorType}: ${row.errorMessage}`;
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    for (const [reason, count] of reasons) lines.push(`  ${formatCount(count)} × ${reason}`);
    if (outcome.notInvited.length > 0 && reportPath) {
      lines.push(`Every accessor not invited, with the reason, is in ${csvPathOf(reportPath)}.`);
    }
  }
  return `${lines.join('\n')}\n`;
}
