/**
 * `npm run forget`: deletes a space's invite-once records, so its next requests invite everyone
 * again. Run with `--help` for the options.
 */
import { DynamoDbInviteHistory } from '../shared/adapters/ledger/dynamodb-invite-history.ts';
import type { Environment } from '../shared/config/environment.ts';
import { parseOptions, spaceIdOption } from './lib/cli-args.ts';
import { reportFailure } from './lib/errors.ts';
import {
  LEDGER_TARGET_HELP,
  LEDGER_TARGET_OPTIONS,
  type LedgerTarget,
  ledgerTargetOf,
  openLedgerTable,
} from './lib/ledger-table.ts';
import { formatCount, type ScriptOutput, StatusDisplay } from './lib/progress.ts';

export const FORGET_USAGE = `Usage: npm run forget -- --space <spaceId> [--stack <name> | --table <name>] [--yes]

The pipeline remembers when it last invited each accessor to a space, and leaves out anyone
invited within REINVITE_AFTER_DAYS. This command forgets all of that for one space (after the
space was recreated, say), so its next requests invite everyone again. Without --yes it only
counts the records.

Options:
  --space <spaceId>   The space whose records to forget
${LEDGER_TARGET_HELP}
  --yes               Delete the records; without it, only count them
  -h, --help          Show this help

Without --stack or --table it works on the local stack npm start runs (LOCAL_DYNAMODB_PORT,
AWS_ENDPOINT_URL_DYNAMODB). Requests still in flight for the space record again whom they
invite. Needs dynamodb:Query and dynamodb:BatchWriteItem on the table (and
cloudformation:DescribeStacks with --stack, kms:Decrypt when the table has a key of yours).

Each DynamoDB call gets 20 s and three tries before the command gives up.

Exit codes: 0 counted or forgotten, 1 the table could not be read or written, 2 invalid
arguments, no region or no credentials.
`;

const OPTIONS = {
  space: { type: 'string' },
  ...LEDGER_TARGET_OPTIONS,
  yes: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface ForgetOptions {
  spaceId: string;
  target: LedgerTarget;
  yes: boolean;
}

/** Reads the command line; `help` when usage was asked for. Throws `UsageError`. */
export function parseForgetArgs(argv: readonly string[]): { help: true } | ForgetOptions {
  const values = parseOptions(argv, OPTIONS);
  if (values.help === true) return { help: true };
  return {
    spaceId: spaceIdOption(values),
    target: ledgerTargetOf(values),
    yes: values.yes === true,
  };
}

/** Runs the command and resolves to its exit code; errors are written to `stderr`. */
export async function main(
  argv: readonly string[],
  io: { stdout: ScriptOutput; stderr: ScriptOutput; env: Environment },
): Promise<number> {
  let parsed: ReturnType<typeof parseForgetArgs>;
  try {
    parsed = parseForgetArgs(argv);
  } catch (error) {
    io.stderr.write(`forget: ${(error as Error).message}\nRun with --help for usage.\n`);
    return 2;
  }
  if ('help' in parsed) {
    io.stdout.write(FORGET_USAGE);
    return 0;
  }
  const { spaceId } = parsed;
  let table: Awaited<ReturnType<typeof openLedgerTable>> | undefined;
  try {
    table = await openLedgerTable(parsed.target, io.env);
    const history = new DynamoDbInviteHistory(table);
    const count = await history.countSpace(spaceId);
    const records = `${formatCount(count)} invite record${count === 1 ? '' : 's'}`;
    io.stdout.write(`Space ${spaceId} has ${records} in ${table.label}.\n`);
    if (count === 0) return 0;
    if (!parsed.yes) {
      io.stdout.write('Nothing was deleted. Run again with --yes to forget them.\n');
      return 0;
    }
    const display = new StatusDisplay(io.stdout);
    let sofar = 0;
    let deleted: number;
    try {
      deleted = await history.forgetSpace(spaceId, (done) => {
        sofar = done;
        display.status(`Deleted ${formatCount(sofar)} of ${formatCount(count)}…`);
      });
    } catch (error) {
      display.end();
      // Half forgotten, a space invites some people again and skips others: say how far it got.
      io.stderr.write(
        `Deleted at least ${formatCount(sofar)} of ${formatCount(count)} records before the failure below; run again with --yes to forget the rest.\n`,
      );
      throw error;
    }
    display.end();
    io.stdout.write(
      `Forgot ${formatCount(deleted)} record${deleted === 1 ? '' : 's'}: the next requests for ${spaceId} invite everyone again.\n`,
    );
    return 0;
  } catch (error) {
    return reportFailure(
      'forget',
      error,
      table?.local ?? parsed.target.kind === 'local',
      io.stderr,
    );
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
