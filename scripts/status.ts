/**
 * `npm run status`: prints one request's status, or its failed or skipped accessors as CSV.
 * Run with `--help` for the options.
 */
import type { Environment } from '../shared/config/environment.ts';
import { isRequestId, REQUEST_ID_RULE } from '../shared/domain/request-id.ts';
import { REQUEST_STATUSES, type RequestStatus } from '../shared/domain/request-status.ts';
import { sleep } from '../shared/lib/sleep.ts';
import { parseApiBaseUrl } from './lib/api-call.ts';
import { definedOptions, parseCommandLine, stringOption } from './lib/cli-args.ts';
import { formatCsvRow } from './lib/csv.ts';
import { UsageError } from './lib/errors.ts';
import { resolveInviteSigner } from './lib/invite-signer.ts';
import { formatCount, type ScriptOutput } from './lib/progress.ts';
import { allAccessors, getRequestStatus, withReadRetries } from './lib/status-client.ts';

export const STATUS_USAGE = `Usage: npm run status -- --url <api base url> <requestId> [options]

Prints what became of one request (GET {url}/requests/{requestId}): its status, the count of
accessors invited, skipped, pending and failed, and the failures grouped by reason.

Options:
  --url <url>                   Base URL of the API: the HTTP API endpoint, or the local
                                stack's (http://127.0.0.1:3000)
  --accessors <failed|skipped>  Print that list of accessors instead, as CSV
                                (accessorId,errorType,errorMessage), every page of it
  --json                        Print the status as the API answers it
  --region <region>             Region to sign for (as npm run invite)
  --no-sign                     Send unsigned requests (the default for a localhost URL when
                                the environment holds no AWS credentials)
  -h, --help                    Show this help

Exit codes: 0 the request was found, 1 it was not (or the API could not be reached, or --url
is not the API's), 2 invalid arguments, or no region or credentials to sign with (nothing was
sent).
`;

const OPTIONS = {
  url: { type: 'string' },
  accessors: { type: 'string' },
  json: { type: 'boolean' },
  region: { type: 'string' },
  sign: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface StatusIo {
  stdout: ScriptOutput;
  stderr: ScriptOutput;
  env: Environment;
  fetch?: typeof fetch;
  /** Waits between tries of a read the API refused as retryable. */
  sleep?: (ms: number) => Promise<void>;
}

/** Tries of each read (the status, a page) the API refuses as retryable. */
const READ_ATTEMPTS = 3;

/** The status as a few lines for a person. */
export function formatStatus(status: RequestStatus): string {
  const { total, invited, skipped, pending, failed } = status.accessors;
  const lines = [
    `Request     ${status.requestId}`,
    `Space       ${status.spaceId || '(none: the request named none that could be read)'}`,
    `Source      ${status.source === 'event' ? 'HR event' : 'HTTP'}, from ${status.requestedBy}`,
    `Status      ${status.status}`,
    `Accessors   ${formatCount(total)}: ${formatCount(invited)} invited, ${formatCount(skipped)} skipped, ${formatCount(pending)} pending, ${formatCount(failed)} failed`,
    `Created     ${status.createdAt}`,
    `Updated     ${status.updatedAt}`,
    `Expires     ${status.expiresAt}`,
  ];
  for (const failure of status.failures) {
    // A request refused as a whole (an HR event that could not be read) failed no accessor.
    const count = failure.accessorCount > 0 ? `${formatCount(failure.accessorCount)} × ` : '';
    lines.push(`  ${count}${failure.errorType}: ${failure.errorMessage}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Runs the command and resolves to its exit code. */
export async function main(argv: readonly string[], io: StatusIo): Promise<number> {
  try {
    const { values, positionals } = parseCommandLine(argv, OPTIONS, 1);
    if (values.help === true) {
      io.stdout.write(STATUS_USAGE);
      return 0;
    }
    const url = stringOption(values, 'url');
    const requestId = positionals[0];
    if (url === undefined || requestId === undefined)
      throw new UsageError('Pass --url and a request ID');
    const kind = stringOption(values, 'accessors');
    if (kind !== undefined && kind !== 'failed' && kind !== 'skipped') {
      throw new UsageError('--accessors must be failed or skipped');
    }
    if (kind !== undefined && values.json === true) {
      throw new UsageError('--json prints the status; --accessors prints CSV: pass one of them');
    }
    if (!isRequestId(requestId)) {
      throw new UsageError(`Invalid request ID ${JSON.stringify(requestId)}: ${REQUEST_ID_RULE}`);
    }
    const baseUrl = parseApiBaseUrl(url);
    const signing = definedOptions({
      region: stringOption(values, 'region'),
      sign: typeof values.sign === 'boolean' ? values.sign : undefined,
    });
    const signer = await resolveInviteSigner(signing, baseUrl, io);
    const endpoint = {
      baseUrl,
      sign: signer.sign,
      timeoutMs: 30_000,
      ...(io.fetch ? { fetch: io.fetch } : {}),
    };
    const retry = { attempts: READ_ATTEMPTS, sleep: io.sleep ?? sleep };
    // A throttle or a passing 5xx is tried again, as every page after it is.
    const answer = await withReadRetries(() => getRequestStatus(endpoint, requestId), retry);
    if (answer.kind !== 'status') {
      io.stderr.write(`status: ${answer.message}\n`);
      return 1;
    }
    if (kind !== undefined) {
      // Rows are printed as each page comes, so a long list shows from its first page.
      io.stdout.write(`${formatCsvRow(['accessorId', 'errorType', 'errorMessage'])}\n`);
      let rows = 0;
      try {
        await allAccessors(endpoint, requestId, kind, retry, (items) => {
          for (const item of items) {
            io.stdout.write(
              `${formatCsvRow([item.accessorId, item.errorType ?? '', item.errorMessage ?? ''])}\n`,
            );
          }
          rows += items.length;
        });
      } catch (error) {
        io.stderr.write(
          `status: the CSV holds only the first ${formatCount(rows)} ${kind} accessors; it is incomplete\n`,
        );
        throw error;
      }
      return 0;
    }
    io.stdout.write(
      values.json === true
        ? `${JSON.stringify(answer.status, null, 2)}\n`
        : formatStatus(answer.status),
    );
    if (answer.status.status === REQUEST_STATUSES.running && values.json !== true) {
      io.stdout.write('Still running: run the command again to see the progress.\n');
    }
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`status: ${error.message}\nRun with --help for usage.\n`);
      return error.exitCode;
    }
    io.stderr.write(`status failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
  });
}
