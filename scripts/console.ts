/**
 * `npm run console`: the operator's console in the browser, on 127.0.0.1. Run with `--help`
 * for the options.
 */
import { rethrowPortInUse } from '../infra/local/port-in-use.ts';
import type { Environment } from '../shared/config/environment.ts';
import type { ConsoleBackend } from './console/console-backend.ts';
import { CONSOLE_DEFAULT_PORT, readConsoleConfig } from './console/console-config.ts';
import { createLocalBackend } from './console/local-target.ts';
import { type ConsoleServer, startConsoleServer } from './console/server.ts';
import { createStackBackend } from './console/stack-target.ts';
import { UsageError } from './lib/errors.ts';
import type { ScriptOutput } from './lib/progress.ts';

export const CONSOLE_USAGE = `Usage: npm run console
       npm run console -- --stack <name> [--region <region>] [--service <name>]

Serves the operator console on http://127.0.0.1:${CONSOLE_DEFAULT_PORT} (CONSOLE_PORT sets the port):
requests and their progress, a request's failures and accessors (CSV), the dead letters and
their redrive, and the SendInvites rate.

Without --stack it points at the local stack npm start runs, found with the same settings
(PORT, LOCAL_SQS_PORT, LOCAL_DYNAMODB_PORT, AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL_DYNAMODB).

Options:
  --stack <name>      A deployed stack (repost-invite-pipeline-<stage>): its API, queues and
                      table come from the stack's outputs
  --region <region>   The stack's region (default: AWS_REGION, then AWS_DEFAULT_REGION, then
                      the AWS profile's)
  --service <name>    The metrics' service dimension (default: the stack's name)
  -h, --help          Show this help

Every call is made by this process with your credentials from the standard AWS chain; the
browser never holds them.
`;

/** Starts the console; resolves to its server, or to an exit code when it cannot start. */
export async function main(
  argv: readonly string[],
  io: { stdout: ScriptOutput; stderr: ScriptOutput; env: Environment },
): Promise<ConsoleServer | number> {
  let backend: ConsoleBackend | undefined;
  try {
    const parsed = readConsoleConfig(argv, io.env);
    if (parsed.help) {
      io.stdout.write(CONSOLE_USAGE);
      return 0;
    }
    const { target, port } = parsed.config;
    backend =
      target.kind === 'stack'
        ? await createStackBackend(target, io.env)
        : createLocalBackend(target, io.env);
    const server = await startConsoleServer({
      port,
      backend,
      log: (line) => io.stderr.write(`${line}\n`),
    }).catch(rethrowPortInUse('CONSOLE_PORT', port, 'another npm run console'));
    const owned = backend;
    io.stdout.write(`Operator console for the ${backend.label}: ${server.url}\n`);
    return {
      ...server,
      async close() {
        await server.close();
        // A redrive moving messages in this process finishes those in hand, so none is both
        // sent on and left in the dead-letter queue; then it says how far it got.
        if (owned.redrive.state().running) {
          io.stderr.write('Stopping the redrive under way…\n');
          const last = (await owned.redrive.stop()).lines.at(-1);
          if (last !== undefined) io.stderr.write(`${last}\n`);
        }
        await owned.close();
      },
    };
  } catch (error) {
    await backend?.close();
    if (error instanceof UsageError) {
      io.stderr.write(`console: ${error.message}\nRun with --help for usage.\n`);
      return error.exitCode;
    }
    io.stderr.write(
      `console failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 1;
  }
}

if (import.meta.main) {
  const started = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
  });
  if (typeof started === 'number') process.exitCode = started;
  else {
    const stop = () => void started.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
}
