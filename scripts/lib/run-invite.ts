import { writeFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { SEND_INVITES_LIMITS } from '../../shared/domain/constants.ts';
import type { FieldProblem } from '../../shared/domain/errors.ts';
import { FieldProblems } from '../../shared/domain/field-problems.ts';
import { checkSpaceId, checkText } from '../../shared/domain/invite-request.ts';
import { runConcurrently } from '../../shared/lib/run-concurrently.ts';
import { UsageError } from './errors.ts';
import { type InviteAttempt, type InviteEndpoint, postInviteRequest } from './invite-endpoint.ts';
import {
  formatCount,
  formatDuration,
  formatInviteProgress,
  type ScriptOutput,
  StatusDisplay,
} from './progress.ts';
import { readAccessorFile } from './read-accessor-file.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, retryDelay } from './retry-policy.ts';
import {
  createSigV4Signer,
  EXECUTE_API_SIGNING_NAME,
  resolveSigningRegion,
  sendUnsigned,
  shouldSign,
} from './sign-request.ts';
import { INVITE_REQUEST_LIMITS, inviteRequestBody, splitIntoRequests } from './split-requests.ts';

type Environment = Readonly<Record<string, string | undefined>>;

export interface InviteOptions {
  /** The invite API's base URL. */
  url: string;
  spaceId: string;
  /** Accessor IDs: a text file, one per line, or a CSV file. */
  file: string;
  title: string;
  body: string;
  /** CSV only: the header of the accessor column. */
  column?: string;
  region?: string;
  /** Undefined signs unless the URL is loopback and the environment holds no credentials. */
  sign?: boolean;
  idsPerRequest?: number;
  maxRequestBytes?: number;
  /** Requests in flight at once. */
  concurrency?: number;
  /** Where to write the JSON report. */
  report?: string;
  retry?: RetryPolicy;
  requestTimeoutMs?: number;
}

export const INVITE_DEFAULTS = {
  idsPerRequest: INVITE_REQUEST_LIMITS.idsPerRequest,
  maxRequestBytes: INVITE_REQUEST_LIMITS.maxRequestBytes,
  concurrency: 2,
  /** API Gateway ends an integration after 30 s; anything slower is a lost answer. */
  requestTimeoutMs: 60_000,
} as const;

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
  now?: () => Date;
}

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
  acceptedAccessors?: number;
  messageCount?: number;
  httpStatus?: number;
  errorType?: string;
  message?: string;
  fieldList?: FieldProblem[];
}

export interface InviteReport {
  url: string;
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
  /** Accessors of every request not accepted, to retry from a file. */
  failedAccessorIds: string[];
}

/** Request IDs named in the printed summary; the report file holds them all. */
const PRINTED_REQUEST_IDS = 5;

function sleepFor(ms: number, signal?: AbortSignal): Promise<void> {
  return delay(ms, undefined, signal ? { signal } : {});
}

/** Checks the space, title and body as the intake will; throws `UsageError` listing problems. */
function checkInvite(options: InviteOptions): void {
  const problems = new FieldProblems();
  checkSpaceId(options.spaceId, problems);
  checkText('title', options.title, SEND_INVITES_LIMITS.titleMaxCodePoints, problems);
  checkText('body', options.body, SEND_INVITES_LIMITS.bodyMaxCodePoints, problems);
  if (!problems.empty) {
    throw new UsageError(problems.list.map((problem) => problem.message).join('; '));
  }
}

function parseBaseUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url is not a URL: ${url}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new UsageError(`--url must be an http or https URL: ${url}`);
  }
  if (parsed.search !== '' || parsed.hash !== '') {
    throw new UsageError(`--url must be the API's base URL, without a query or fragment: ${url}`);
  }
  return parsed;
}

async function resolveSigner(
  options: InviteOptions,
  baseUrl: URL,
  io: InviteIo,
): Promise<{ sign: InviteEndpoint['sign']; description: string }> {
  if (!shouldSign(options.sign, baseUrl, io.env)) {
    return { sign: sendUnsigned, description: 'unsigned' };
  }
  const region = resolveSigningRegion(options.region, baseUrl, io.env);
  if (region === undefined) {
    throw new UsageError('No AWS region to sign with: pass --region or set AWS_REGION');
  }
  const credentials = io.credentials ?? defaultProvider();
  try {
    await credentials();
  } catch (error) {
    throw new UsageError(
      `No AWS credentials to sign with (${(error as Error).message}); ` +
        'configure the default credential chain, or pass --no-sign for an endpoint without IAM auth',
      { cause: error },
    );
  }
  return {
    sign: createSigV4Signer({ region, credentials, ...(io.now ? { now: io.now } : {}) }),
    description: `signed for ${EXECUTE_API_SIGNING_NAME} in ${region}`,
  };
}

function describeAttempt(attempt: Exclude<InviteAttempt, { kind: 'accepted' }>): string {
  if (attempt.kind === 'unreachable') return attempt.message;
  const type = attempt.errorType ? ` ${attempt.errorType}` : '';
  return `HTTP ${attempt.status}${type}: ${attempt.message}`;
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
  checkInvite(options);
  const baseUrl = parseBaseUrl(options.url);
  const { accessorIds, duplicates } = await readAccessorFile(options.file, {
    ...(options.column !== undefined ? { column: options.column } : {}),
  });
  let batches: string[][];
  try {
    batches = splitIntoRequests(accessorIds, {
      title: options.title,
      body: options.body,
      maxIds: options.idsPerRequest ?? INVITE_DEFAULTS.idsPerRequest,
      maxBytes: options.maxRequestBytes ?? INVITE_DEFAULTS.maxRequestBytes,
    });
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
  const signer = await resolveSigner(options, baseUrl, io);
  if (options.report !== undefined) await prepareReport(options.report);
  const endpoint: InviteEndpoint = {
    baseUrl,
    sign: signer.sign,
    timeoutMs: options.requestTimeoutMs ?? INVITE_DEFAULTS.requestTimeoutMs,
    ...(io.fetch ? { fetch: io.fetch } : {}),
  };
  const policy = options.retry ?? DEFAULT_RETRY_POLICY;
  const sleep = io.sleep ?? sleepFor;
  const random = io.random ?? Math.random;
  const concurrency = options.concurrency ?? INVITE_DEFAULTS.concurrency;
  const display = new StatusDisplay(io.stdout);

  const skipped = duplicates > 0 ? `; ${plural(duplicates, 'repeated ID')} skipped` : '';
  const pace = batches.length > 1 ? `, ${Math.min(concurrency, batches.length)} at a time` : '';
  display.log(
    `Inviting ${plural(accessorIds.length, 'accessor')} to ${options.spaceId} in ` +
      `${plural(batches.length, 'request')}${pace} (${signer.description})${skipped}`,
  );

  let firstAccessor = 1;
  const requests: RequestReport[] = batches.map((ids, offset) => {
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
  const progress = {
    doneIds: 0,
    totalIds: accessorIds.length,
    doneRequests: 0,
    totalRequests: batches.length,
    failedRequests: 0,
  };
  const label = (request: RequestReport) => `request ${request.index}/${batches.length}`;
  display.status(formatInviteProgress(progress));

  function fail(request: RequestReport, attempt: Exclude<InviteAttempt, { kind: 'accepted' }>) {
    request.status = 'failed';
    request.message = attempt.message;
    if (attempt.kind === 'refused') {
      request.httpStatus = attempt.status;
      if (attempt.errorType) request.errorType = attempt.errorType;
      if (attempt.fieldList) request.fieldList = attempt.fieldList;
    }
  }

  async function send(request: RequestReport): Promise<void> {
    const ids = batches[request.index - 1] as string[];
    const body = inviteRequestBody(ids, options.title, options.body);
    for (;;) {
      request.attempts++;
      const attempt = await postInviteRequest(endpoint, options.spaceId, body);
      if (attempt.kind === 'accepted') {
        request.status = 'accepted';
        request.requestId = attempt.requestId;
        request.acceptedAccessors = attempt.accessorCount;
        request.messageCount = attempt.messageCount;
        return;
      }
      const failure =
        attempt.kind === 'refused'
          ? { status: attempt.status, retryAfterMs: attempt.retryAfterMs }
          : {};
      const wait = retryDelay(failure, request.attempts, policy, random);
      if (wait === undefined || io.signal?.aborted) {
        fail(request, attempt);
        return;
      }
      display.log(
        `${label(request)}: ${describeAttempt(attempt)}; retrying in ${formatDuration(wait)} ` +
          `(attempt ${request.attempts + 1} of ${policy.maxAttempts})`,
      );
      try {
        await sleep(wait, io.signal);
      } catch {
        fail(request, attempt);
        request.message = `interrupted before retrying; last answer: ${describeAttempt(attempt)}`;
        return;
      }
    }
  }

  await runConcurrently(requests, concurrency, async function sendRequest(request) {
    if (io.signal?.aborted) return;
    await send(request);
    progress.doneIds += request.accessorCount;
    progress.doneRequests++;
    if (request.status === 'accepted') {
      if (!display.tty) {
        const retried = request.attempts > 1 ? ` after ${request.attempts} attempts` : '';
        display.log(
          `${label(request)} accepted${retried}: ${formatCount(request.acceptedAccessors ?? 0)} ` +
            `accessors, ${formatCount(request.messageCount ?? 0)} messages, request ID ${request.requestId}`,
        );
      }
    } else {
      progress.failedRequests++;
      display.log(`${label(request)} failed: ${describeFailure(request)}`);
    }
    display.status(formatInviteProgress(progress));
  });
  display.end();

  const accepted = requests.filter((request) => request.status === 'accepted');
  const report: InviteReport = {
    url: options.url,
    spaceId: options.spaceId,
    file: options.file,
    signed: signer.sign !== sendUnsigned,
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
    failedAccessorIds: requests
      .filter((request) => request.status !== 'accepted')
      .flatMap((request) => batches[request.index - 1] as string[]),
  };
  io.stdout.write(formatSummary(report, options.report));
  if (options.report !== undefined) {
    await writeFile(options.report, `${JSON.stringify(report, null, 2)}\n`);
  }
  return report;
}

/** Creates the report file before any request, so a path that cannot be written fails first. */
async function prepareReport(path: string) {
  try {
    await writeFile(path, '{}\n');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UsageError(`Cannot write the report to ${path}: ${reason}`, { cause: error });
  }
}

function plural(count: number, noun: string): string {
  return `${formatCount(count)} ${noun}${count === 1 ? '' : 's'}`;
}

function describeFailure(request: RequestReport): string {
  if (request.status === 'not-sent') return 'not sent (interrupted)';
  const status = request.httpStatus !== undefined ? `HTTP ${request.httpStatus} ` : '';
  const type = request.errorType ? `${request.errorType}: ` : '';
  const attempts = request.attempts > 1 ? ` (after ${request.attempts} attempts)` : '';
  return `${status}${type}${request.message ?? ''}${attempts}`;
}

/** The closing summary: counts, request IDs, and every failure with its reason. */
export function formatSummary(report: InviteReport, reportPath?: string): string {
  const total = report.requests.length;
  const ids = report.requestIds;
  const listed = ids.slice(0, PRINTED_REQUEST_IDS).join(', ');
  const more = ids.length > PRINTED_REQUEST_IDS ? ', …' : '';
  const where = reportPath ? ` (all ${formatCount(ids.length)} in ${reportPath})` : '';
  const lines = [
    '',
    `Requests accepted   ${formatCount(report.requestsAccepted)} of ${formatCount(total)}`,
    `Accessors accepted  ${formatCount(report.accessorsAccepted)} of ${formatCount(report.accessorCount)}`,
    `Messages queued     ${formatCount(report.messagesQueued)}`,
    `Request IDs         ${ids.length === 0 ? '-' : `${listed}${more}${where}`}`,
    `Failures            ${formatCount(report.requestsFailed)}`,
  ];
  for (const request of report.requests) {
    if (request.status === 'accepted') continue;
    const last = request.firstAccessor + request.accessorCount - 1;
    lines.push(
      `  request ${request.index} (accessors ${formatCount(request.firstAccessor)}–${formatCount(last)}): ${describeFailure(request)}`,
    );
    for (const field of request.fieldList ?? []) lines.push(`    ${field.name}: ${field.message}`);
  }
  if (report.requestsFailed > 0 && reportPath) {
    lines.push(`The accessors not invited are listed under failedAccessorIds in ${reportPath}.`);
  }
  return `${lines.join('\n')}\n`;
}
