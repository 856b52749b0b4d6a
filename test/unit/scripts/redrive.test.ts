import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QueueNotFoundError, UsageError } from '../../../scripts/lib/errors.ts';
import type {
  MessageMover,
  MoveTask,
  QueueDirectory,
  QueueInfo,
  StartMoveInput,
} from '../../../scripts/lib/message-mover.ts';
import { queueNames, runRedrive } from '../../../scripts/lib/run-redrive.ts';
import { main, parseRedriveArgs } from '../../../scripts/redrive.ts';

const DLQ_NAME = 'repost-invite-pipeline-dev-invites-dlq';
const QUEUE_NAME = 'repost-invite-pipeline-dev-invites';
const url = (name: string) => `https://sqs.us-east-1.amazonaws.com/123456789012/${name}`;
const arn = (name: string) => `arn:aws:sqs:us-east-1:123456789012:${name}`;

class FakeQueues implements QueueDirectory {
  readonly looked: string[] = [];
  readonly queues = new Map<string, QueueInfo>();

  constructor(dlqMessages: number) {
    for (const [name, visible] of [
      [DLQ_NAME, dlqMessages],
      [QUEUE_NAME, 0],
    ] as const) {
      this.queues.set(url(name), {
        url: url(name),
        arn: arn(name),
        visible,
        inFlight: 0,
        delayed: 0,
      });
    }
    // The invites queue sends its dead letters to the DLQ, as infra/queues.yml has it.
    this.add(QUEUE_NAME, { deadLetterTargetArn: arn(DLQ_NAME) });
  }

  /** Adds or changes the queue `name`. */
  add(name: string, info: Partial<QueueInfo> = {}) {
    const known = this.queues.get(url(name));
    this.queues.set(url(name), {
      url: url(name),
      arn: arn(name),
      visible: 0,
      inFlight: 0,
      delayed: 0,
      ...known,
      ...info,
    });
  }

  async urlOf(name: string) {
    this.looked.push(name);
    if (!this.queues.has(url(name))) throw new QueueNotFoundError(name);
    return url(name);
  }

  async describe(queueUrl: string) {
    const info = this.queues.get(queueUrl);
    if (!info) throw new QueueNotFoundError(queueUrl);
    return { ...info };
  }
}

/** Each `list` after `start` is one step of `steps`: the task's status and messages moved. */
class FakeMover implements MessageMover {
  readonly started: StartMoveInput[] = [];
  readonly cancelled: string[] = [];
  tasks: MoveTask[];
  readonly #steps: Partial<MoveTask>[];

  constructor(steps: Partial<MoveTask>[] = [], tasks: MoveTask[] = []) {
    this.#steps = steps;
    this.tasks = tasks;
  }

  async start(input: StartMoveInput) {
    this.started.push(input);
    this.tasks.unshift({
      taskHandle: 'handle-new',
      status: 'RUNNING',
      sourceArn: input.sourceArn,
      destinationArn: input.destinationArn,
      moved: 0,
      startedAt: Date.parse('2026-03-01T12:00:00Z'),
    });
    return 'handle-new';
  }

  async list(sourceArn: string) {
    const [current] = this.tasks;
    const step = this.started.length > 0 ? this.#steps.shift() : undefined;
    if (current && step) {
      Object.assign(current, step);
      if (current.status !== 'RUNNING') delete current.taskHandle;
    }
    return this.tasks.filter((task) => task.sourceArn === sourceArn).map((task) => ({ ...task }));
  }

  async cancel(taskHandle: string) {
    this.cancelled.push(taskHandle);
    return 7;
  }
}

/** `mover`, whose start is followed by `interrupt` (Ctrl-C once the move has started). */
function abortedOnStart<T extends FakeMover>(mover: T, interrupt: AbortController): T {
  const start = mover.start.bind(mover);
  mover.start = async (input) => {
    const handle = await start(input);
    interrupt.abort();
    return handle;
  };
  return mover;
}

function io(isTTY = false) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const sleeps: number[] = [];
  return {
    stdout: { isTTY, write: (text: string) => stdout.push(text) },
    stderr: { write: (text: string) => stderr.push(text) },
    sleep: async (ms: number) => {
      sleeps.push(ms);
      // Sleeps end at once here: a command that would follow a task forever fails instead of
      // spinning the test.
      if (sleeps.length > 1_000) throw new Error('Still polling after 1,000 sleeps');
    },
    out: () => stdout.join(''),
    err: () => stderr.join(''),
    sleeps,
  };
}

describe('runRedrive', () => {
  it('checks the task again after a check that fails, and gives up after three in a row', async () => {
    const flaky = (failures: number) => {
      const mover = new FakeMover([
        { moved: 2, toMove: 5 },
        { moved: 5, toMove: 5, status: 'COMPLETED' },
      ]);
      const list = mover.list.bind(mover);
      let calls = 0;
      mover.list = async (sourceArn: string) => {
        calls++;
        // The check before start finds no task; the next `failures` checks fail.
        if (calls > 1 && calls <= 1 + failures) throw new Error('ListMessageMoveTasks: throttled');
        return list(sourceArn);
      };
      return mover;
    };
    const once = io();
    const twice = io();

    const recovered = await runRedrive(
      { stage: 'dev', pollIntervalMs: 1 },
      { queues: new FakeQueues(5), mover: flaky(2), ...once },
    );
    const gaveUp = runRedrive(
      { stage: 'dev', pollIntervalMs: 1 },
      { queues: new FakeQueues(5), mover: flaky(3), ...twice },
    );

    assert.equal(recovered.outcome, 'completed');
    assert.match(
      once.out(),
      /Could not check the move task \(ListMessageMoveTasks: throttled\); checking again\./,
    );
    await assert.rejects(gaveUp, /ListMessageMoveTasks: throttled/);
  });

  it('moves the DLQ to the invites queue, found by name, and reports until COMPLETED', async () => {
    const queues = new FakeQueues(5);
    const mover = new FakeMover([
      { moved: 0 },
      { moved: 2, toMove: 5 },
      { moved: 5, toMove: 5, status: 'COMPLETED' },
    ]);
    const out = io();

    const result = await runRedrive(
      { stage: 'dev', rate: 10, pollIntervalMs: 3_000 },
      { queues, mover, ...out },
    );

    assert.equal(result.outcome, 'completed');
    assert.equal(result.exitCode, 0);
    assert.deepEqual(queues.looked, [DLQ_NAME, QUEUE_NAME]);
    assert.deepEqual(mover.started, [
      {
        sourceArn: arn(DLQ_NAME),
        destinationArn: arn(QUEUE_NAME),
        sourceUrl: url(DLQ_NAME),
        destinationUrl: url(QUEUE_NAME),
        maxMessagesPerSecond: 10,
      },
    ]);
    assert.deepEqual(out.sleeps, [3_000, 3_000, 3_000]);
    assert.match(out.out(), new RegExp(`Dead-letter queue  ${DLQ_NAME} holds 5 messages`));
    assert.match(
      out.out(),
      /0\/5 messages moved {2}RUNNING\n2\/5 messages moved {2}RUNNING\n5\/5 messages moved {2}COMPLETED\n/,
    );
    assert.match(out.out(), new RegExp(`Done: moved 5 messages to ${QUEUE_NAME}`));
  });

  it('draws a progress bar on a terminal', async () => {
    const out = io(true);

    await runRedrive(
      { stage: 'dev' },
      {
        queues: new FakeQueues(4),
        mover: new FakeMover([
          { moved: 2, toMove: 4 },
          { moved: 4, toMove: 4, status: 'COMPLETED' },
        ]),
        ...out,
      },
    );

    assert.ok(
      out
        .out()
        .includes(`\r\x1b[2K[${'#'.repeat(15)}${'.'.repeat(15)}] 2/4 messages moved  RUNNING`),
    );
  });

  it('exits 1 with the reason when the task FAILED', async () => {
    const out = io();
    const mover = new FakeMover([
      { moved: 1, status: 'FAILED', failureReason: 'AWS.SimpleQueueService.NonExistentQueue' },
    ]);

    const result = await runRedrive({ stage: 'dev' }, { queues: new FakeQueues(3), mover, ...out });

    assert.equal(result.outcome, 'failed');
    assert.equal(result.exitCode, 1);
    assert.match(
      out.err(),
      /failed after moving 1 messages: AWS\.SimpleQueueService\.NonExistentQueue/,
    );
  });

  it('refuses to start while a task is RUNNING', async () => {
    const running: MoveTask = {
      taskHandle: 'handle-old',
      status: 'RUNNING',
      sourceArn: arn(DLQ_NAME),
      moved: 10,
      toMove: 40,
    };
    const mover = new FakeMover([], [running]);
    const out = io();

    const result = await runRedrive(
      { stage: 'dev' },
      { queues: new FakeQueues(30), mover, ...out },
    );

    assert.equal(result.outcome, 'already-running');
    assert.equal(result.exitCode, 1);
    assert.deepEqual(mover.started, []);
    assert.match(
      out.err(),
      /already running on .*RUNNING, 10 of 40 moved.*cancel it with --cancel/,
    );
  });

  it('cancels the running task with --cancel, and does nothing when none runs', async () => {
    const running: MoveTask = {
      taskHandle: 'handle-old',
      status: 'RUNNING',
      sourceArn: arn(DLQ_NAME),
      moved: 7,
    };
    const mover = new FakeMover([], [running]);
    const idle = new FakeMover([], [{ status: 'COMPLETED', sourceArn: arn(DLQ_NAME), moved: 3 }]);

    const cancelled = await runRedrive(
      { stage: 'dev', cancel: true },
      { queues: new FakeQueues(30), mover, ...io() },
    );
    const nothing = await runRedrive(
      { stage: 'dev', cancel: true },
      { queues: new FakeQueues(0), mover: idle, ...io() },
    );

    assert.equal(cancelled.outcome, 'cancel-requested');
    assert.deepEqual(mover.cancelled, ['handle-old']);
    assert.deepEqual(mover.started, []);
    assert.equal(nothing.outcome, 'nothing-to-cancel');
    assert.equal(nothing.exitCode, 0);
    assert.deepEqual(idle.cancelled, []);
  });

  it('starts nothing when the DLQ is empty', async () => {
    const mover = new FakeMover();
    const out = io();

    const result = await runRedrive({ stage: 'dev' }, { queues: new FakeQueues(0), mover, ...out });

    assert.equal(result.outcome, 'empty');
    assert.deepEqual(mover.started, []);
    assert.match(out.out(), /Nothing to redrive/);
  });

  it('uses queue URLs as given, without looking names up', async () => {
    const queues = new FakeQueues(1);
    const mover = new FakeMover([{ moved: 1, status: 'COMPLETED' }]);

    const result = await runRedrive(
      { dlqUrl: url(DLQ_NAME), queueUrl: url(QUEUE_NAME) },
      { queues, mover, ...io() },
    );

    assert.equal(result.outcome, 'completed');
    assert.deepEqual(queues.looked, []);
    assert.equal(mover.started[0]?.maxMessagesPerSecond, undefined);
  });

  it('refuses, moving nothing, a queue whose dead letters do not go to the DLQ given', async () => {
    const queues = new FakeQueues(3);
    const prodQueue = 'repost-invite-pipeline-prod-invites';
    queues.add(prodQueue, { deadLetterTargetArn: arn('repost-invite-pipeline-prod-invites-dlq') });
    const mover = new FakeMover([{ moved: 3, status: 'COMPLETED' }]);

    for (const [dlq, queue, says] of [
      // The dev DLQ into the prod queue.
      [DLQ_NAME, prodQueue, /sends its dead letters to .*prod-invites-dlq/],
      // The two URLs swapped: the DLQ has no redrive policy of its own.
      [QUEUE_NAME, DLQ_NAME, /has no redrive policy/],
    ] as const) {
      await assert.rejects(
        runRedrive({ dlqUrl: url(dlq), queueUrl: url(queue) }, { queues, mover, ...io() }),
        (error: unknown) =>
          error instanceof UsageError && error.exitCode === 2 && says.test(error.message),
      );
    }
    assert.deepEqual(mover.started, []);
  });

  it('finds its task after it finished and lost its handle, not an older one', async () => {
    const older: MoveTask = {
      status: 'COMPLETED',
      sourceArn: arn(DLQ_NAME),
      moved: 99,
      startedAt: Date.parse('2026-02-01T00:00:00Z'),
    };
    const mover = new FakeMover([{ moved: 2, status: 'COMPLETED' }], [older]);

    const result = await runRedrive(
      { stage: 'dev' },
      { queues: new FakeQueues(2), mover, ...io() },
    );

    assert.equal(result.outcome, 'completed');
    assert.equal(result.task?.moved, 2);
  });

  it('starts nothing when interrupted before the move would start', async () => {
    const interrupt = new AbortController();
    const mover = new FakeMover([]);
    const out = io();
    interrupt.abort();

    const result = await runRedrive(
      { stage: 'dev' },
      { queues: new FakeQueues(2), mover, ...out, signal: interrupt.signal },
    );

    assert.equal(result.outcome, 'interrupted');
    assert.deepEqual(mover.started, []);
    assert.match(out.out(), /Stopped before starting; nothing was moved\.\n$/);
  });

  it('stops watching, leaving the task running, when interrupted', async () => {
    const interrupt = new AbortController();
    const out = io();

    const result = await runRedrive(
      { stage: 'dev' },
      {
        queues: new FakeQueues(2),
        mover: abortedOnStart(new FakeMover([]), interrupt),
        ...out,
        signal: interrupt.signal,
        sleep: async (_ms, signal) => signal?.throwIfAborted(),
      },
    );

    assert.equal(result.outcome, 'interrupted');
    assert.match(out.out(), /the move task keeps running/);
  });

  it('stops a move this process makes itself when interrupted, and says what it moved', async () => {
    const interrupt = new AbortController();
    const mover = abortedOnStart(Object.assign(new FakeMover([]), { inProcess: true }), interrupt);
    const out = io();

    const result = await runRedrive(
      { stage: 'dev' },
      {
        queues: new FakeQueues(2),
        mover,
        ...out,
        signal: interrupt.signal,
        sleep: async (_ms, signal) => signal?.throwIfAborted(),
      },
    );

    assert.equal(result.outcome, 'interrupted');
    assert.deepEqual(mover.cancelled, ['handle-new']);
    assert.match(out.out(), /by receiving, sending and deleting them/);
    assert.match(out.out(), /Stopped after moving 7 messages; the rest stay in/);
  });

  it('tells onProgress about the task at every check, polling faster for an in-process move', async () => {
    const mover = Object.assign(
      new FakeMover([
        { moved: 1, toMove: 2 },
        { moved: 2, toMove: 2, status: 'COMPLETED' },
      ]),
      { inProcess: true },
    );
    const seen: string[] = [];
    const out = io();

    await runRedrive(
      { stage: 'dev' },
      {
        queues: new FakeQueues(2),
        mover,
        ...out,
        onProgress: (task) => seen.push(`${task.moved}/${task.toMove} ${task.status}`),
      },
    );

    assert.deepEqual(seen, ['1/2 RUNNING', '2/2 COMPLETED']);
    assert.deepEqual(out.sleeps, [500, 500]);
    assert.equal(out.err(), '');
  });

  it('says how many messages a move it made itself left hidden in the DLQ; not for an SQS task', async () => {
    const steps = () => [{ moved: 3, toMove: 5, status: 'COMPLETED' as const }];
    const inProcess = io();
    const task = io();

    const result = await runRedrive(
      { stage: 'dev' },
      {
        queues: new FakeQueues(5),
        mover: Object.assign(new FakeMover(steps()), { inProcess: true }),
        ...inProcess,
      },
    );
    await runRedrive(
      { stage: 'dev' },
      { queues: new FakeQueues(5), mover: new FakeMover(steps()), ...task },
    );

    assert.equal(result.outcome, 'completed');
    assert.match(inProcess.out(), /Done: moved 3 messages/);
    assert.equal(
      inProcess.err(),
      `2 of the 5 messages ${DLQ_NAME} held at the start were not moved: another reader held ` +
        'them (in flight). Any still there show again when its hold ends; run this again then\n',
    );
    assert.equal(task.err(), '');
  });

  it('needs a stage or queue URLs, and names a missing queue', async () => {
    await assert.rejects(
      runRedrive({}, { queues: new FakeQueues(1), mover: new FakeMover(), ...io() }),
      UsageError,
    );
    await assert.rejects(
      runRedrive({ stage: 'prod' }, { queues: new FakeQueues(1), mover: new FakeMover(), ...io() }),
      /Queue repost-invite-pipeline-prod-invites-dlq does not exist/,
    );
  });

  it('names queues as infra/queues.yml does', () => {
    assert.deepEqual(queueNames('svc', 'qa'), {
      invites: 'svc-qa-invites',
      deadLetter: 'svc-qa-invites-dlq',
    });
  });
});

describe('redrive command line', () => {
  it('reads the options', () => {
    assert.deepEqual(
      parseRedriveArgs([
        '--stage',
        'dev',
        '--rate',
        '50',
        '--service',
        'svc',
        '--region',
        'eu-west-1',
      ]),
      {
        help: false,
        options: { stage: 'dev', service: 'svc', rate: 50 },
        region: 'eu-west-1',
      },
    );
    assert.deepEqual(parseRedriveArgs(['--dlq-url', url(DLQ_NAME), '--cancel']), {
      help: false,
      options: { dlqUrl: url(DLQ_NAME), cancel: true },
    });
    assert.deepEqual(parseRedriveArgs(['-h']), { help: true });
  });

  it('refuses unknown options, a rate out of range, missing queues and a queue URL that is not one', () => {
    assert.throws(() => parseRedriveArgs(['--stage', 'dev', '--force']), UsageError);
    assert.throws(
      () => parseRedriveArgs(['--stage', 'dev', '--rate', '501']),
      /--rate must be a whole number from 1 to 500/,
    );
    assert.throws(
      () => parseRedriveArgs(['--dlq-url', 'u']),
      /Pass --stage, or --dlq-url and --queue-url/,
    );
    assert.throws(
      () => parseRedriveArgs(['--dlq-url', url(DLQ_NAME), '--queue-url', 'invites']),
      /--queue-url must be an http\(s\) queue URL, got "invites"/,
    );
    assert.throws(
      () => parseRedriveArgs(['--dlq-url', url(DLQ_NAME), '--queue-url', url(DLQ_NAME)]),
      /--dlq-url and --queue-url name the same queue/,
    );
  });

  it('maps outcomes to exit codes', async () => {
    const out = io();
    const running: MoveTask = {
      taskHandle: 'h',
      status: 'RUNNING',
      sourceArn: arn(DLQ_NAME),
      moved: 0,
    };

    assert.equal(await main(['--stage', 'dev', '--bogus'], out), 2);
    assert.equal(await main(['--help'], out), 0);
    assert.equal(
      await main(['--stage', 'dev'], out, {
        queues: new FakeQueues(1),
        mover: new FakeMover([], [running]),
      }),
      1,
    );
    assert.equal(
      await main(['--stage', 'nope'], out, { queues: new FakeQueues(1), mover: new FakeMover() }),
      1,
    );
    assert.match(out.err(), /redrive: Unknown option '--bogus'/);
    assert.match(
      out.err(),
      /redrive failed: Queue repost-invite-pipeline-nope-invites-dlq does not exist/,
    );
    assert.match(out.out(), /Usage: npm run redrive/);
  });
});
