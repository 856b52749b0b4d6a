/**
 * `npm start`: runs the whole pipeline on this machine with real protocols on loopback.
 * Settings come from the environment; see docs/configuration.md, "The local stack".
 */
import { localStackBanner } from './banner.ts';
import { readLocalStackConfig } from './local-config.ts';
import { type StackSummary, startLocalStack } from './stack.ts';

const tty = process.stdout.isTTY === true;
let statusShown = false;

function print(line: string) {
  if (statusShown) process.stdout.write('\r\x1b[2K');
  statusShown = false;
  process.stdout.write(`${line}\n`);
}

function describe(summary: StackSummary): string {
  const parts = [
    `accepted ${summary.acceptedRequests} (${summary.acceptedAccessors} accessors)`,
    `queued ${summary.queued}`,
    `in flight ${summary.inFlight}`,
    `invited ${summary.invited ?? '-'}`,
    `skipped ${summary.skipped}`,
    `throttled ${summary.throttled ?? '-'}`,
    `dead-lettered ${summary.deadLettered}`,
  ];
  return parts.join(' | ');
}

/** A signal this soon after the first is taken for the same one, passed on by npm. */
const SAME_SIGNAL_MS = 1_000;

async function main() {
  const config = readLocalStackConfig(process.env);
  // Listening from the start: a signal during startup stops the stack as soon as it is up,
  // instead of killing the process halfway through.
  let requested: string | undefined;
  let onSignal = (signal: string) => {
    requested ??= signal;
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));

  const stack = await startLocalStack(config, {
    accepted: ({ detail }) => print(`accepted  ${detail}`),
    parked: ({ detail }) => print(`parked    ${detail}`),
    notice: (line) => print(`notice    ${line}`),
  });
  print(
    localStackBanner({
      httpUrl: stack.httpUrl,
      eventSources: stack.definitions.intake.rule.source,
      sqsEndpoint: stack.sqsEndpoint,
      dynamodbEndpoint: stack.dynamodbEndpoint,
      invitesQueueUrl: stack.queues.invites.url,
      deadLetterQueueUrl: stack.queues.deadLetter.url,
      repostspaceEndpoint: stack.repostspaceEndpoint,
      simulated: stack.simulator !== undefined,
      spaceId: config.defaultSpaceId,
      region: config.region,
      consoleUrl: `http://127.0.0.1:${process.env.CONSOLE_PORT?.trim() || 8080}`,
    }),
  );

  let stopping = false;
  let last = '';
  const timer = setInterval(
    async () => {
      const line = describe(await stack.summary().catch(() => ({}) as StackSummary));
      if (stopping) return;
      if (tty) {
        process.stdout.write(`\r\x1b[2K${line}`);
        statusShown = true;
      } else if (line !== last) {
        print(`status    ${line}`);
      }
      last = line;
    },
    tty ? 1000 : config.summaryEverySeconds * 1000,
  );

  let stoppingAt = 0;
  async function shutdown(signal: string) {
    if (stopping) {
      // `npm start` passes the terminal's Ctrl-C on as well, a moment after it arrived itself.
      if (Date.now() - stoppingAt < SAME_SIGNAL_MS) return;
      // Nothing is lost: the queues and the table are on disk, and what was in flight is
      // received again on the next start (SendInvites takes a repeated invite in its stride).
      print(`${signal} again: stopping at once; work in flight comes back on the next start`);
      // As a shell reports a process the signal ended: 128 and the signal's number.
      process.exit(signal === 'SIGTERM' ? 143 : 130);
    }
    stopping = true;
    stoppingAt = Date.now();
    clearInterval(timer);
    print(`\n${signal}: finishing in-flight work… (a second ${signal} stops at once)`);
    try {
      await stack.drain();
      // Counted once the work in flight has settled, while the queues still answer.
      const summary = await stack.summary().catch(() => undefined);
      await stack.stop();
      if (summary) print(`status    ${describe(summary)}`);
      print('stopped; state kept for the next start');
      process.exit(0);
    } catch (error) {
      process.stderr.write(`local stack failed to stop: ${(error as Error).message}\n`);
      process.exit(1);
    }
  }
  onSignal = (signal) => void shutdown(signal);
  if (requested !== undefined) onSignal(requested);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `local stack failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
