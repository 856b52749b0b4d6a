/**
 * `npm run invite`: invites every accessor in a file through the pipeline's invite API.
 * Run with `--help` for the options.
 */
import {
  definedOptions,
  integerOption,
  parseOptions,
  requireOptions,
  stringOption,
} from './lib/cli-args.ts';
import { UsageError } from './lib/errors.ts';
import { INVITE_DEFAULTS, type InviteOptions } from './lib/invite-options.ts';
import { type InviteIo, type InviteReport, runInvite } from './lib/run-invite.ts';

export const INVITE_USAGE = `Usage: npm run invite -- --url <api base url> --space <spaceId> --file <ids.txt|ids.csv>
                         --title <text> --body <text> [options]

Invites every accessor in a file to a re:Post Private space through the pipeline's invite
API (POST {url}/spaces/{spaceId}/invite), splitting the list into requests sent a few at a time.

Required:
  --url <url>             Base URL of the invite API: the HTTP API endpoint, or the local
                          stack's (http://127.0.0.1:3000)
  --space <spaceId>       The space to invite to
  --file <path>           Accessor IDs: a text file, one per line, or a CSV file (a .csv name,
                          or --column, --header or --no-header; see CSV files below). Blank
                          lines and lines starting with # are skipped; IDs are trimmed and a
                          repeated ID is sent once.
  --title <text>          Invitation title, 1 to 200 characters
  --body <text>           Invitation body, 1 to 600 characters

Options:
  --region <region>       Region to sign for (default: the one in an execute-api URL, then
                          AWS_REGION, then AWS_DEFAULT_REGION)
  --no-sign               Send unsigned requests (the default for a localhost URL when the
                          environment holds no AWS credentials)
  --ids-per-request <n>   Most accessor IDs in one request (default ${INVITE_DEFAULTS.idsPerRequest.toLocaleString('en-US')});
                          a request body also stays under 4 MiB, below Lambda's 6 MB limit
  --concurrency <n>       Requests in flight at once (default ${INVITE_DEFAULTS.concurrency})
  --column <name>         Read the file as CSV, whatever its name, and the IDs under this
                          header (the first row is a header)
  --no-header             Read the file as CSV, whatever its name, without a header row: the
                          IDs are its first column, the first row included (--header: the
                          first row must be a header naming the accessor column)
  --resend                Invite everyone in the file, even those invited to the space within
                          the deployment's REINVITE_AFTER_DAYS (by default they are skipped)
  --dry-run               Only ask the API who was invited recently and who would be invited
                          now, for the whole file; nothing is queued or recorded
  --resume <report>       Send an earlier run's requests again with their Idempotency-Keys,
                          from its --report (same --file, --space, --ids-per-request, title
                          and body): accepted ones are answered again, the rest finished,
                          none queued twice (within the API's IDEMPOTENCY_TTL_SECONDS,
                          signed as the same identity)
  --wait                  After sending, follow every request's status until it settles
                          (one progress line: invited of total, skipped, failed, pending;
                          off a terminal, printed when it changed, at most every 10 s),
                          then list every accessor not invited with the reason
  --report <path>         Write a JSON report: every request with its request ID or error,
                          the accessor IDs that were not accepted (failedAccessorIds) and
                          those whose request may have been queued though it failed
                          (uncertainAccessorIds); with --wait, also every accessor not
                          invited, with the reason, as JSON and as CSV in the same name
                          ending .csv (accessorId,result,errorType,...), only its header
                          when every accessor was invited. Both are replaced when the run
                          starts by files that say it has not finished; neither may be
                          the --file
  -h, --help              Show this help

CSV files: when the first row has a column named accessorId or id (in any case; spaces, - and _
ignored, so Accessor ID and accessor_id match too), it is the header and the IDs are read from that column. Otherwise the command refuses the
file (exit 2) and names the first row's fields, unless --column or --no-header says where the
IDs are; the one exception is a one-column file whose first row is not a header-like word
(email, name, user, username, userid, login, member, …): it is read as a list of IDs.

Requests are signed with SigV4 for execute-api (the API's IAM authorization) with credentials
from the default AWS chain. Throttling (429), server errors (5xx), a request still being
accepted under the same key (409) and lost connections are retried, up to 5 attempts, with
jittered backoff that honours Retry-After; any other error fails that request, and the summary
shows why. A host name that does not resolve fails at once until the API has answered once.

Each request carries an Idempotency-Key unique to this run, so a retry after a lost answer,
a 409 or a 503 never queues the same accessors twice.

Exit codes: 0 every request accepted (with --wait: every accessor invited, or skipped as
invited recently), 1 otherwise, 2 invalid arguments or input, or no region or credentials
to sign with (nothing was sent).
`;

const OPTIONS = {
  url: { type: 'string' },
  space: { type: 'string' },
  file: { type: 'string' },
  title: { type: 'string' },
  body: { type: 'string' },
  region: { type: 'string' },
  sign: { type: 'boolean' },
  'ids-per-request': { type: 'string' },
  concurrency: { type: 'string' },
  column: { type: 'string' },
  header: { type: 'boolean' },
  report: { type: 'string' },
  wait: { type: 'boolean' },
  resend: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  resume: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Reads the command line; `help` when usage was asked for. Throws `UsageError`. */
export function parseInviteArgs(
  argv: readonly string[],
): { help: true } | { help: false; options: InviteOptions } {
  const values = parseOptions(argv, OPTIONS);
  if (values.help === true) return { help: true };
  requireOptions(values, ['url', 'space', 'file', 'title', 'body']);
  const options: InviteOptions = {
    url: values.url as string,
    spaceId: values.space as string,
    file: values.file as string,
    title: values.title as string,
    body: values.body as string,
    ...definedOptions({
      region: stringOption(values, 'region'),
      column: stringOption(values, 'column'),
      report: stringOption(values, 'report'),
      idsPerRequest: integerOption(values, 'ids-per-request', 1, 1_000_000),
      concurrency: integerOption(values, 'concurrency', 1, 64),
      sign: typeof values.sign === 'boolean' ? values.sign : undefined,
      header: typeof values.header === 'boolean' ? values.header : undefined,
      wait: values.wait === true ? true : undefined,
      resend: values.resend === true ? true : undefined,
      dryRun: values['dry-run'] === true ? true : undefined,
      resume: stringOption(values, 'resume'),
    }),
  };
  if (options.resume !== undefined && options.dryRun) {
    throw new UsageError('--resume sends an earlier run again; a dry run sends nothing to resume');
  }
  return { help: false, options };
}

/**
 * Whether the run did all it was asked: every request accepted, and with --wait (a dry run is
 * never followed) every accessor invited or skipped.
 */
function succeeded(report: InviteReport, waited: boolean): boolean {
  if (report.requestsFailed > 0) return false;
  if (!waited || report.dryRun) return true;
  const outcome = report.outcome;
  return outcome?.complete === true && outcome.failed === 0 && outcome.pending === 0;
}

/** Runs the command and resolves to its exit code; errors are written to `io.stderr`. */
export async function main(argv: readonly string[], io: InviteIo): Promise<number> {
  try {
    const parsed = parseInviteArgs(argv);
    if (parsed.help) {
      io.stdout.write(INVITE_USAGE);
      return 0;
    }
    const report = await runInvite(parsed.options, io);
    return succeeded(report, parsed.options.wait === true) ? 0 : 1;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`invite: ${error.message}\nNothing was sent. Run with --help for usage.\n`);
      return error.exitCode;
    }
    io.stderr.write(`invite failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

if (import.meta.main) {
  const interrupt = new AbortController();
  // A terminal closed or a job cancelled stops the run as Ctrl-C does, so the report is written.
  const stop = (signal: string) => {
    // A second signal of any kind quits at once, as a second Ctrl-C does.
    if (interrupt.signal.aborted) process.exit(130);
    interrupt.abort();
    process.stderr.write(
      `\nInterrupted (${signal}): no new requests, retries or polls; finishing what is in flight, then the summary (Ctrl-C again quits at once)\n`,
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, stop);
  process.exitCode = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    signal: interrupt.signal,
  });
}
