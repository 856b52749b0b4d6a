import { sleep as timerSleep } from '../../shared/lib/sleep.ts';
import { UsageError } from './errors.ts';
import {
  type MessageMover,
  MOVE_TASK_STATUS,
  type MoveTask,
  type QueueDirectory,
  type QueueInfo,
} from './message-mover.ts';
import { formatBar, formatCount, type ScriptOutput, StatusDisplay } from './progress.ts';

/** Checks of the move task that may fail in a row before the watch gives up. */
const MAX_FAILED_CHECKS = 3;

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export const REDRIVE_DEFAULTS = {
  service: 'repost-invite-pipeline',
  pollIntervalMs: 5_000,
  /** When this process moves the messages itself, there is no service to spare. */
  inProcessPollIntervalMs: 500,
} as const;

export interface RedriveOptions {
  /** The Serverless service name, the first part of the queue names. */
  service?: string;
  stage?: string;
  /** Given, it replaces the lookup of `${service}-${stage}-invites-dlq`. */
  dlqUrl?: string;
  /** Given, it replaces the lookup of `${service}-${stage}-invites`. */
  queueUrl?: string;
  /** SQS's `MaxNumberOfMessagesPerSecond`; SQS picks the pace when undefined. */
  rate?: number;
  /** Cancel the running move task instead of starting one. */
  cancel?: boolean;
  pollIntervalMs?: number;
}

export interface RedriveDependencies {
  queues: QueueDirectory;
  mover: MessageMover;
  stdout: ScriptOutput;
  stderr: ScriptOutput;
  /** Rejects when `signal` aborts. Defaults to a timer. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Aborting stops the watch; a move task keeps running, a move in this process stops. */
  signal?: AbortSignal;
  /** Told about the task each time it is checked. */
  onProgress?: (task: MoveTask) => void;
}

export type RedriveOutcome =
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'empty'
  | 'already-running'
  | 'cancel-requested'
  | 'nothing-to-cancel'
  | 'interrupted';

export interface RedriveResult {
  outcome: RedriveOutcome;
  exitCode: number;
  deadLetterQueue: QueueInfo;
  /** The task started, cancelled or found running. */
  task?: MoveTask;
}

const EXIT_CODES: Record<RedriveOutcome, number> = {
  completed: 0,
  empty: 0,
  'cancel-requested': 0,
  'nothing-to-cancel': 0,
  failed: 1,
  cancelled: 1,
  'already-running': 1,
  interrupted: 1,
};

/** The queue names `infra/queues.yml` gives a stage. */
export function queueNames(service: string, stage: string) {
  return { invites: `${service}-${stage}-invites`, deadLetter: `${service}-${stage}-invites-dlq` };
}

function queueName(url: string): string {
  return url.replace(/\/+$/, '').split('/').pop() ?? url;
}

function depth(queue: QueueInfo): number {
  return queue.visible + queue.inFlight + queue.delayed;
}

function describeDepth(queue: QueueInfo): string {
  const extra = [
    queue.inFlight > 0 ? `${formatCount(queue.inFlight)} in flight` : '',
    queue.delayed > 0 ? `${formatCount(queue.delayed)} delayed` : '',
  ].filter(Boolean);
  const count = `${formatCount(queue.visible)} message${queue.visible === 1 ? '' : 's'}`;
  return extra.length > 0 ? `${count} (${extra.join(', ')})` : count;
}

function describeTask(task: MoveTask): string {
  const total = task.toMove !== undefined ? ` of ${formatCount(task.toMove)}` : '';
  const started = task.startedAt ? `, started ${new Date(task.startedAt).toISOString()}` : '';
  return `${task.status}, ${formatCount(task.moved)}${total} moved${started}`;
}

/**
 * The task this run started: the one with its handle, else, since a finished task loses its
 * handle, the first one started after every task listed before the start.
 */
function findTask(tasks: MoveTask[], handle: string, newestBefore: number): MoveTask | undefined {
  return (
    tasks.find((task) => task.taskHandle === handle) ??
    tasks.find(
      (task) =>
        task.taskHandle === undefined &&
        (task.startedAt ?? Number.NEGATIVE_INFINITY) > newestBefore,
    )
  );
}

/**
 * Moves every message in the dead-letter queue back to the invites queue with the mover (an
 * SQS message move task, or this process itself where the endpoint has none) and watches it
 * until it ends; with `cancel`, cancels the running task instead. Refuses to start while a task
 * runs. Throws `UsageError` when a queue is not named, `QueueNotFoundError` when one is missing.
 */
export async function runRedrive(
  options: RedriveOptions,
  dependencies: RedriveDependencies,
): Promise<RedriveResult> {
  const { queues, mover, signal } = dependencies;
  const sleep = dependencies.sleep ?? timerSleep;
  const display = new StatusDisplay(dependencies.stdout);
  const names =
    options.stage !== undefined
      ? queueNames(options.service ?? REDRIVE_DEFAULTS.service, options.stage)
      : undefined;
  if (names === undefined && options.dlqUrl === undefined) {
    throw new UsageError('Pass --stage, or --dlq-url');
  }
  if (names === undefined && options.queueUrl === undefined && !options.cancel) {
    throw new UsageError('Pass --stage, or both --dlq-url and --queue-url');
  }

  const dlqUrl = options.dlqUrl ?? (await queues.urlOf(names?.deadLetter ?? ''));
  const dlq = await queues.describe(dlqUrl);
  const dlqName = queueName(dlqUrl);
  display.log(`Dead-letter queue  ${dlqName} holds ${describeDepth(dlq)}`);

  const earlier = await mover.list(dlq.arn);
  const active = earlier.find(
    (task) =>
      task.status === MOVE_TASK_STATUS.running || task.status === MOVE_TASK_STATUS.cancelling,
  );
  const result = (outcome: RedriveOutcome, task?: MoveTask): RedriveResult => ({
    outcome,
    exitCode: EXIT_CODES[outcome],
    deadLetterQueue: dlq,
    ...(task ? { task } : {}),
  });

  if (options.cancel) {
    if (active?.status !== MOVE_TASK_STATUS.running || active.taskHandle === undefined) {
      display.log(`No move task is running on ${dlqName}; nothing to cancel`);
      return result('nothing-to-cancel', active);
    }
    const moved = await mover.cancel(active.taskHandle);
    const so = moved !== undefined ? ` after moving ${formatCount(moved)} messages` : '';
    display.log(`Cancelling the move task on ${dlqName}${so}`);
    return result('cancel-requested', active);
  }
  if (active !== undefined) {
    dependencies.stderr.write(
      `A message move task is already running on ${dlqName} (${describeTask(active)}); ` +
        'wait for it to finish, or cancel it with --cancel\n',
    );
    return result('already-running', active);
  }

  const sourceUrl = options.queueUrl ?? (await queues.urlOf(names?.invites ?? ''));
  const source = await queues.describe(sourceUrl);
  const sourceName = queueName(sourceUrl);
  // Dead letters go back only to the queue that sent them: a DLQ of another stage, or the two
  // URLs swapped, would move messages into a queue they never came from.
  if (source.deadLetterTargetArn !== dlq.arn) {
    const policy =
      source.deadLetterTargetArn === undefined
        ? 'has no redrive policy'
        : `sends its dead letters to ${source.deadLetterTargetArn}`;
    throw new UsageError(
      `${sourceName} ${policy}, not to ${dlq.arn}: its dead letters are not in ${dlqName}. ` +
        'Check which two queues were named; nothing was moved',
    );
  }
  display.log(`Invites queue      ${sourceName} holds ${describeDepth(source)}`);
  if (depth(dlq) === 0) {
    display.log('Nothing to redrive');
    return result('empty');
  }

  const newestBefore = Math.max(
    Number.NEGATIVE_INFINITY,
    ...earlier.map((task) => task.startedAt ?? Number.NEGATIVE_INFINITY),
  );
  // Interrupted before anything moved: nothing is started.
  if (signal?.aborted) {
    display.log('Stopped before starting; nothing was moved.');
    return result('interrupted');
  }
  const handle = await mover.start({
    sourceArn: dlq.arn,
    destinationArn: source.arn,
    sourceUrl: dlqUrl,
    destinationUrl: sourceUrl,
    ...(options.rate !== undefined ? { maxMessagesPerSecond: options.rate } : {}),
  });
  const inProcess = mover.inProcess === true;
  const pace =
    options.rate !== undefined
      ? `at most ${formatCount(options.rate)} a second`
      : inProcess
        ? 'as fast as the endpoint takes them'
        : 'at the pace SQS picks';
  const how = inProcess
    ? ' by receiving, sending and deleting them (the endpoint has no message move tasks)'
    : '';
  display.log(`Moving messages from ${dlqName} to ${sourceName}${how}, ${pace}`);

  const pollIntervalMs =
    options.pollIntervalMs ??
    (inProcess ? REDRIVE_DEFAULTS.inProcessPollIntervalMs : REDRIVE_DEFAULTS.pollIntervalMs);
  let last = '';
  let task: MoveTask | undefined;
  let failedChecks = 0;
  for (;;) {
    try {
      await sleep(pollIntervalMs, signal);
    } catch {
      display.end();
      if (inProcess) {
        const moved = await mover.cancel(handle);
        display.log(
          `Stopped after moving ${formatCount(moved ?? task?.moved ?? 0)} messages; the rest stay in ${dlqName}.`,
        );
      } else {
        display.log(
          'Stopped watching; the move task keeps running. Run `npm run redrive` again to see it, or with --cancel to stop it.',
        );
      }
      return result('interrupted', task);
    }
    let tasks: MoveTask[];
    try {
      tasks = await mover.list(dlq.arn);
      failedChecks = 0;
    } catch (error) {
      // A failed check is not a failed move: the task goes on. Given up after a few in a row.
      if (++failedChecks >= MAX_FAILED_CHECKS) throw error;
      display.log(`Could not check the move task (${errorMessage(error)}); checking again.`);
      continue;
    }
    task = findTask(tasks, handle, newestBefore);
    if (task === undefined) continue;
    dependencies.onProgress?.(task);
    const total = task.toMove ?? depth(dlq);
    const line = `${formatCount(task.moved)}/${formatCount(total)} messages moved  ${task.status}`;
    // Off a terminal every change gets a line of its own, so the display's own pacing is not used.
    if (display.tty) display.status(`${formatBar(task.moved, total)} ${line}`);
    else if (line !== last) display.log(line);
    last = line;

    if (task.status === MOVE_TASK_STATUS.completed) {
      display.end();
      display.log(`Done: moved ${formatCount(task.moved)} messages to ${sourceName}`);
      const unmoved = (task.toMove ?? 0) - task.moved;
      // Moving here ends at the first empty receive: messages another reader held hidden then
      // were not moved. (An SQS task's count to move is an estimate; it is not second-guessed.)
      if (inProcess && unmoved > 0) {
        dependencies.stderr.write(
          `${formatCount(unmoved)} of the ${formatCount(task.toMove ?? 0)} messages ${dlqName} held ` +
            'at the start were not moved: another reader held them (in flight). Any still there ' +
            'show again when its hold ends; run this again then\n',
        );
      }
      return result('completed', task);
    }
    if (task.status === MOVE_TASK_STATUS.failed) {
      display.end();
      dependencies.stderr.write(
        `The move task failed after moving ${formatCount(task.moved)} messages: ${task.failureReason ?? 'no reason given'}\n`,
      );
      return result('failed', task);
    }
    if (task.status === MOVE_TASK_STATUS.cancelled) {
      display.end();
      dependencies.stderr.write(
        `The move task was cancelled after moving ${formatCount(task.moved)} messages\n`,
      );
      return result('cancelled', task);
    }
  }
}
