/**
 * `npm run invited`: says whether the pipeline invited one accessor to a space recently, when,
 * and by which request. Run with `--help` for the options.
 */
import { DynamoDbInviteHistory } from '../shared/adapters/ledger/dynamodb-invite-history.ts';
import type { Environment } from '../shared/config/environment.ts';
import { accessorIdProblem } from '../shared/domain/invite-request.ts';
import { parseOptions, spaceIdOption, stringOption } from './lib/cli-args.ts';
import { reportFailure, UsageError } from './lib/errors.ts';
import {
  LEDGER_TARGET_HELP,
  LEDGER_TARGET_OPTIONS,
  type LedgerTarget,
  ledgerTargetOf,
  openLedgerTable,
} from './lib/ledger-table.ts';
import type { ScriptOutput } from './lib/progress.ts';

export const INVITED_USAGE = `Usage: npm run invited -- --space <spaceId> --accessor <id> [--stack <name> | --table <name>]

Says whether the pipeline invited one accessor to a space within REINVITE_AFTER_DAYS, when, and
by which request: the record the pipeline keeps to invite each person once. With the request
ID, npm run status says what else became of that request.

Options:
  --space <spaceId>   The space
  --accessor <id>     The accessor ID, exactly as it was sent
${LEDGER_TARGET_HELP}
  -h, --help          Show this help

Without --stack or --table it reads the local stack npm start runs (LOCAL_DYNAMODB_PORT,
AWS_ENDPOINT_URL_DYNAMODB). No record means the pipeline did not invite them to the space
within REINVITE_AFTER_DAYS (or that setting is 0, or the space was forgotten): never asked, the
invitation failed, or it was longer ago. Nothing is known of people invited through a group ID.
Needs dynamodb:BatchGetItem on the table (and cloudformation:DescribeStacks with --stack,
kms:Decrypt when the table has a key of yours).

Each DynamoDB call gets 20 s and three tries before the command gives up.

Exit codes: 0 a record was found, 1 none, 2 invalid arguments, no region or no credentials,
3 the table (or the stack) could not be read: nothing is known.
`;

/** The exit code of a read that failed: not 1, which says there is no record. */
const UNREAD = 3;

const OPTIONS = {
  space: { type: 'string' },
  accessor: { type: 'string' },
  ...LEDGER_TARGET_OPTIONS,
  help: { type: 'boolean', short: 'h' },
} as const;

export interface InvitedOptions {
  spaceId: string;
  accessorId: string;
  target: LedgerTarget;
}

/** Reads the command line; `help` when usage was asked for. Throws `UsageError`. */
export function parseInvitedArgs(argv: readonly string[]): { help: true } | InvitedOptions {
  const values = parseOptions(argv, OPTIONS);
  if (values.help === true) return { help: true };
  const spaceId = spaceIdOption(values);
  const accessorId = stringOption(values, 'accessor');
  if (accessorId === undefined) throw new UsageError('Pass --accessor <id>');
  const problem = accessorIdProblem(accessorId);
  if (problem !== undefined) throw new UsageError(`--accessor: ${problem}`);
  return { spaceId, accessorId, target: ledgerTargetOf(values) };
}

/** Runs the command and resolves to its exit code; errors are written to `stderr`. */
export async function main(
  argv: readonly string[],
  io: { stdout: ScriptOutput; stderr: ScriptOutput; env: Environment; now?: () => number },
): Promise<number> {
  let parsed: ReturnType<typeof parseInvitedArgs>;
  try {
    parsed = parseInvitedArgs(argv);
  } catch (error) {
    return reportFailure('invited', error, false, io.stderr);
  }
  if ('help' in parsed) {
    io.stdout.write(INVITED_USAGE);
    return 0;
  }
  const { spaceId, accessorId } = parsed;
  // An ID is kept as it was sent; blanks pasted around one are the likeliest miss.
  const padded = accessorId.trim() !== accessorId;
  if (padded) {
    io.stderr.write(
      `invited: --accessor ${JSON.stringify(accessorId)} begins or ends with blanks; it is looked up with them\n`,
    );
  }
  let table: Awaited<ReturnType<typeof openLedgerTable>> | undefined;
  try {
    table = await openLedgerTable(parsed.target, io.env);
    const found = await new DynamoDbInviteHistory(table).lastInvite(
      spaceId,
      accessorId,
      (io.now ?? Date.now)(),
    );
    if (found === undefined) {
      io.stdout.write(
        `No record of ${accessorId} in ${spaceId} (${table.label}): not invited there within REINVITE_AFTER_DAYS.\n`,
      );
      return 1;
    }
    const by = found.requestId === undefined ? '' : ` by request ${found.requestId}`;
    io.stdout.write(
      `${accessorId} was invited to ${spaceId} at ${new Date(found.invitedAt).toISOString()}${by}; ` +
        `new requests leave them out until ${new Date(found.expiresAt).toISOString()} unless they say resend ` +
        '(or REINVITE_AFTER_DAYS was lowered since).\n',
    );
    return 0;
  } catch (error) {
    if (table !== undefined) {
      const missing = (error as Error).name === 'ResourceNotFoundException';
      io.stderr.write(
        `invited: could not read ${table.label}${missing ? ': no such table there (check --stack, --table and --region)' : ''}\n`,
      );
    }
    const code = reportFailure('invited', error, parsed.target.kind === 'local', io.stderr);
    return code === 1 ? UNREAD : code;
  } finally {
    table?.client.destroy();
  }
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
  });
}
