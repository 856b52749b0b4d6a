import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { Logger } from '@aws-lambda-powertools/logger';
import { type Message, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { createIntakeHandler } from '../../functions/intake/intake.ts';
import { createWorkerHandler } from '../../functions/worker/worker.ts';
import {
  type RepostspaceSimulator,
  startRepostspaceSimulator,
} from '../../infra/local/repostspace-simulator/index.ts';
import { RepostspaceClient } from '../../shared/adapters/repostspace/index.ts';
import { SqsDeadLetterQueue } from '../../shared/adapters/sqs-dead-letter-queue.ts';
import { SqsInviteQueue } from '../../shared/adapters/sqs-invite-queue.ts';
import { readIntakeConfig } from '../../shared/config/intake-config.ts';
import type { InviteChunk } from '../../shared/domain/invite.ts';
import { encodeInviteChunk } from '../../shared/domain/invite-chunk.ts';
import type { DeadLetterQueue } from '../../shared/domain/ports.ts';
import { hrEvent, httpInviteEvent, lambdaContext, sqsEvent, sqsRecord } from '../helpers/events.ts';
import { RecordingDeadLetters, RecordingQueue, RecordingVisibility } from '../helpers/fakes.ts';
import { MemoryLedger } from '../helpers/ledger.ts';
import { tempStateDir } from '../helpers/local-stack.ts';
import { quietMetrics } from '../helpers/logs.ts';
import { type SqsContext, startSqs, TEST_CREDENTIALS, TEST_REGION } from '../helpers/sqs.ts';
import { type SqsFaultProxy, startSqsFaultProxy } from '../helpers/sqs-fault-proxy.ts';

// Distinctive, so any fragment of them in a log is found.
const TITLE = 'SENSITIVE-TITLE-q7Zp';
const BODY = 'SENSITIVE-BODY-m3Kx';
const SENSITIVE = /SENSITIVE-TITLE|SENSITIVE-BODY|q7Zp|m3Kx/;
const SPACE = 'SPSECURITY00000000000000';
const LEVELS = ['INFO', 'DEBUG'] as const;
type Level = (typeof LEVELS)[number];

/**
 * Runs `action` while capturing the text written to stdout and stderr, where the Powertools
 * logger writes. Binary writes pass through: they are the test runner's own reports, which a
 * long capture would otherwise swallow.
 */
async function captureOutput<T>(action: () => Promise<T>): Promise<{ result: T; output: string }> {
  const chunks: string[] = [];
  const streams = [process.stdout, process.stderr];
  const writes = streams.map((stream) => stream.write);
  streams.forEach((stream, index) => {
    const original = writes[index] as typeof stream.write;
    stream.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      if (typeof chunk !== 'string') return original.call(stream, chunk, ...rest);
      chunks.push(chunk);
      return true;
    }) as typeof stream.write;
  });
  try {
    const result = await action();
    return { result, output: chunks.join('') };
  } finally {
    streams.forEach((stream, index) => {
      stream.write = writes[index] as typeof stream.write;
    });
  }
}

let sequence = 0;
/** Accessor IDs no log line could hold by chance. */
function accessorIds(label: string, count: number): string[] {
  sequence++;
  return Array.from({ length: count }, (_, n) => `acc-${label}-${sequence}-${n}@security.test`);
}

interface CheckedOutput {
  /** Lines naming an accessor, all of them DEBUG. */
  accessorLines: number;
  lines: number;
}

/**
 * Asserts that `output` holds neither title nor body anywhere, and names accessors only in
 * JSON log lines at DEBUG. Plain lines (the local stack's own) may never name one.
 */
function assertPrivate(output: string, accessors: readonly string[]): CheckedOutput {
  assert.doesNotMatch(output, SENSITIVE, 'title or body reached the output');
  const lines = output.split('\n').filter((line) => line.trim() !== '');
  let accessorLines = 0;
  for (const line of lines) {
    if (!accessors.some((id) => line.includes(id))) continue;
    accessorLines++;
    let level: unknown;
    try {
      level = (JSON.parse(line) as { level?: unknown }).level;
    } catch {
      level = 'not a log line';
    }
    assert.equal(level, 'DEBUG', `an accessor ID in a line at ${String(level)}: ${line}`);
  }
  return { accessorLines, lines: lines.length };
}

const invite = (ids: string[], rest: Record<string, unknown> = {}) => ({
  accessorIds: ids,
  title: TITLE,
  body: BODY,
  ...rest,
});

describe('the intake keeps title and body out of its logs, and accessors to DEBUG', () => {
  const env = {
    INVITES_QUEUE_URL: 'http://queue/invites',
    LEDGER_TABLE_NAME: 'test-ledger',
    DEAD_LETTER_QUEUE_URL: 'http://queue/dlq',
    ALLOWED_SPACE_IDS: SPACE,
    DEFAULT_SPACE_ID: SPACE,
  };

  /** Every path of the intake: accepted, refused, forbidden, partly queued; HTTP and both HR events. */
  async function runIntake(level: Level) {
    const queue = new RecordingQueue();
    const deadLetters = new RecordingDeadLetters();
    const handler = createIntakeHandler({
      config: readIntakeConfig(env),
      logger: new Logger({ serviceName: 'security', logLevel: level }),
      ports: { queue, deadLetters, ledger: new MemoryLedger() },
    });
    const used: string[] = [];
    const ids = (label: string, count: number) => {
      const made = accessorIds(label, count);
      used.push(...made);
      return made;
    };
    const { output } = await captureOutput(async () => {
      await handler(
        httpInviteEvent({ spaceId: SPACE, body: invite(ids('http', 3)) }),
        lambdaContext(),
      );
      await handler(
        httpInviteEvent({ spaceId: SPACE, body: invite([...ids('http-bad', 2), '']) }),
        lambdaContext(),
      );
      await handler(
        httpInviteEvent({ spaceId: 'SPNOTALLOWED', body: invite(ids('http-403', 2)) }),
        lambdaContext(),
      );
      queue.refuse.add('2');
      await handler(
        httpInviteEvent({ spaceId: SPACE, body: invite(ids('http-503', 1_500)) }),
        lambdaContext(),
      );
      await handler(
        hrEvent('Invite Requested', { spaceId: SPACE, ...invite(ids('hr-partial', 1_500)) }),
        lambdaContext(),
      );
      queue.refuse.clear();
      await handler(
        hrEvent('Employee Onboarded', { accessorId: ids('onboarded', 1)[0] }),
        lambdaContext(),
      );
      await handler(
        hrEvent('Invite Requested', { spaceId: SPACE, ...invite(ids('hr', 2)) }),
        lambdaContext(),
      );
      await handler(
        hrEvent('Invite Requested', { spaceId: SPACE, ...invite([...ids('hr-bad', 2), '']) }),
        lambdaContext(),
      );
      await handler(
        hrEvent('Invite Requested', { spaceId: 'SPELSEWHERE', ...invite(ids('hr-403', 2)) }),
        lambdaContext(),
      );
      await handler(
        hrEvent('Employee Onboarded', { accessorId: ids('onboarded-403', 1)[0], spaceId: 'SPX' }),
        lambdaContext(),
      );
    });
    return { output, used, deadLetters };
  }

  for (const level of LEVELS) {
    it(`at ${level}, through HTTP (202, 400, 403, 503) and both HR events (queued, parked, partly queued)`, async () => {
      const { output, used, deadLetters } = await runIntake(level);

      const checked = assertPrivate(output, used);
      assert.match(output, /Invite request accepted/);
      assert.match(output, /HR event accepted/);
      assert.match(output, /HR event rejected/);
      assert.match(output, /only partly queued/);
      // Parked reasons are read by operators as message attributes: the same rule holds.
      assert.equal(deadLetters.parked.length, 4);
      for (const { reason } of deadLetters.parked) {
        assert.doesNotMatch(JSON.stringify(reason), SENSITIVE);
      }
      if (level === 'DEBUG') assert.ok(checked.accessorLines > 0, 'DEBUG names the accessors');
      else assert.equal(checked.accessorLines, 0);
    });
  }

  it('keeps title and body out even when POWERTOOLS_LOGGER_LOG_EVENT asks for whole events', async () => {
    process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
    try {
      const ids = accessorIds('log-event', 2);
      const handler = createIntakeHandler({
        config: readIntakeConfig(env),
        logger: new Logger({ serviceName: 'security', logLevel: 'INFO' }),
        ports: {
          queue: new RecordingQueue(),
          deadLetters: new RecordingDeadLetters(),
          ledger: new MemoryLedger(),
        },
      });

      const { output } = await captureOutput(async () => {
        await handler(httpInviteEvent({ spaceId: SPACE, body: invite(ids) }), lambdaContext());
        await handler(
          hrEvent('Invite Requested', { spaceId: SPACE, ...invite(ids) }),
          lambdaContext(),
        );
      });

      assertPrivate(output, ids);
      assert.match(output, /Invite request accepted/);
    } finally {
      delete process.env.POWERTOOLS_LOGGER_LOG_EVENT;
    }
  });

  it('logs a 503 caused by a real SQS outage without title or body', async () => {
    const sqs = await startSqs();
    const proxy: SqsFaultProxy = await startSqsFaultProxy(sqs.endpoint);
    const client = new SQSClient({
      endpoint: proxy.endpoint,
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
      maxAttempts: 1,
    });
    try {
      const handler = createIntakeHandler({
        config: readIntakeConfig({
          ...env,
          INVITES_QUEUE_URL: sqs.invitesUrl,
          LEDGER_TABLE_NAME: 'test-ledger',
          DEAD_LETTER_QUEUE_URL: sqs.deadLetterUrl,
        }),
        logger: new Logger({ serviceName: 'security', logLevel: 'DEBUG' }),
        ports: {
          queue: new SqsInviteQueue({
            client,
            queueUrl: sqs.invitesUrl,
            maxAttempts: 2,
            sleep: async () => undefined,
          }),
          deadLetters: new SqsDeadLetterQueue({ client, queueUrl: sqs.deadLetterUrl }),
          ledger: new MemoryLedger(),
        },
      });
      const ids = accessorIds('outage', 2);
      proxy.outage('SendMessageBatch', 100);

      const { result, output } = await captureOutput(() =>
        handler(httpInviteEvent({ spaceId: SPACE, body: invite(ids) }), lambdaContext()),
      );

      assert.equal((result as { statusCode: number }).statusCode, 503);
      assert.match(output, /only partly queued/);
      assert.match(output, /injected outage/, 'the SQS error is logged');
      assertPrivate(output, ids);
    } finally {
      client.destroy();
      await proxy.stop();
      await sqs.stop();
    }
  });
});

describe('the worker keeps title and body out of its logs and the DLQ attributes, with the real client', () => {
  let simulator: RepostspaceSimulator;
  let sqs: SqsContext;

  before(async () => {
    simulator = await startRepostspaceSimulator({ knownSpaceIds: [SPACE] });
    sqs = await startSqs();
  });
  after(async () => {
    await simulator.stop();
    await sqs.stop();
  });

  let chunksMade = 0;

  /** A chunk of a request of its own: a batch of them holds no two copies of one part. */
  function chunk(ids: string[], overrides: Partial<InviteChunk> = {}): InviteChunk {
    return {
      v: 1,
      requestId: `req-security-${++chunksMade}`,
      part: 1,
      parts: 1,
      spaceId: SPACE,
      title: TITLE,
      body: BODY,
      accessorIds: ids,
      ...overrides,
    };
  }

  function worker(
    level: Level,
    endpoint: string,
    deadLetters: DeadLetterQueue = new RecordingDeadLetters(),
  ) {
    return createWorkerHandler({
      config: { callBudgetMs: 1_000 },
      logger: new Logger({ serviceName: 'security', logLevel: level }),
      metrics: quietMetrics(),
      random: () => 0.5,
      ports: {
        sender: new RepostspaceClient({
          region: TEST_REGION,
          endpoint,
          credentials: TEST_CREDENTIALS,
          requestTimeoutMs: 300,
        }),
        visibility: new RecordingVisibility(),
        deadLetters,
      },
    });
  }

  /** Success, throttle, 500, dropped connection, timeout, 404 (parked) and an invalid message. */
  async function runWorker(level: Level) {
    const used: string[] = [];
    const ids = (label: string, count: number) => {
      const made = accessorIds(label, count);
      used.push(...made);
      return made;
    };
    const records = (...chunks: InviteChunk[]): SQSRecord[] =>
      chunks.map((item) => sqsRecord(encodeInviteChunk(item)));
    const deadLetters = new RecordingDeadLetters();
    const faulty = worker(level, simulator.url, deadLetters);
    // Two calls, then a 429 for every other.
    const throttling = await startRepostspaceSimulator({
      throttle: { ratePerSecond: 0.001, burst: 2, retryAfterSeconds: 3 },
    });
    const { output } = await captureOutput(async () => {
      // Bodies differ so each chunk is a call of its own: two succeed, the third is throttled.
      await worker(level, throttling.url)(
        sqsEvent(
          records(
            chunk(ids('ok', 2), { body: `${BODY}-1` }),
            chunk(ids('ok', 2), { body: `${BODY}-2` }),
            chunk(ids('throttled', 2), { body: `${BODY}-3` }),
            chunk(ids('batch-throttled', 2), { body: `${BODY}-4` }),
          ),
        ),
        lambdaContext(),
      );
      for (const faults of [{ internalErrorRate: 1 }, { dropConnectionRate: 1 }, { hangRate: 1 }]) {
        simulator.setFaults(faults);
        await faulty(sqsEvent(records(chunk(ids('fault', 2)))), lambdaContext());
      }
      simulator.setFaults({});
      await faulty(
        sqsEvent([
          ...records(chunk(ids('unknown-space', 2), { spaceId: 'SPNOSUCHSPACE' })),
          sqsRecord(`{"title":"${TITLE}","body":"${BODY}","accessorIds":["${ids('bad', 1)[0]}"]`),
          ...records(chunk([...ids('too-long', 1)], { title: `${TITLE}${'x'.repeat(200)}` })),
        ]),
        lambdaContext(),
      );
    }).finally(() => throttling.stop());
    return { output, used, deadLetters };
  }

  for (const level of LEVELS) {
    it(`at ${level}: delivered, throttled, failed (500, dropped, timed out), parked (404, invalid)`, async () => {
      const { output, used, deadLetters } = await runWorker(level);

      const checked = assertPrivate(output, used);
      for (const expected of [
        /Invites sent/,
        /SendInvites throttled/,
        /InternalServerException/,
        /NetworkingError/,
        /TimeoutError/,
        /ResourceNotFoundException/,
        /InvalidMessage/,
      ]) {
        assert.match(output, expected);
      }
      assert.deepEqual(deadLetters.parked.map((parked) => parked.reason.errorType).sort(), [
        'InvalidMessage',
        'InvalidMessage',
        'ResourceNotFoundException',
      ]);
      for (const { reason } of deadLetters.parked) {
        assert.doesNotMatch(JSON.stringify(reason), SENSITIVE);
      }
      if (level === 'DEBUG') assert.ok(checked.accessorLines > 0, 'DEBUG names the accessors');
      else assert.equal(checked.accessorLines, 0);
    });
  }

  it('parks in a real DLQ with reason attributes that hold neither title nor body', async () => {
    const handler = worker(
      'INFO',
      simulator.url,
      new SqsDeadLetterQueue({ client: sqs.client, queueUrl: sqs.deadLetterUrl }),
    );
    const parkedChunk = chunk(accessorIds('dlq', 2), { spaceId: 'SPNOSUCHSPACE' });

    await captureOutput(() =>
      handler(sqsEvent([sqsRecord(encodeInviteChunk(parkedChunk))]), lambdaContext()),
    );
    const messages: Message[] = await sqs.drain(sqs.deadLetterUrl);

    assert.equal(messages.length, 1);
    const attributes = messages[0]?.MessageAttributes ?? {};
    assert.equal(attributes.ErrorType?.StringValue, 'ResourceNotFoundException');
    assert.doesNotMatch(JSON.stringify(attributes), SENSITIVE);
    // The chunk itself is kept whole so an operator can redrive it: the DLQ holds the text.
    assert.match(messages[0]?.Body ?? '', SENSITIVE);
  });
});

describe("the local stack's own console output", () => {
  const MAIN = new URL('../../infra/local/main.ts', import.meta.url).pathname;

  async function runStack(level: Level) {
    const state = tempStateDir();
    const simulator = await startRepostspaceSimulator();
    // Every port the system's choice, as two test files or an `npm start` may run alongside.
    const env: Record<string, string | undefined> = {
      ...process.env,
      PORT: '0',
      LOCAL_SQS_PORT: '0',
      LOCAL_DYNAMODB_PORT: '0',
      LOCAL_REPOSTSPACE_PORT: '0',
      LOCAL_STATE_DIR: state.path,
      AWS_ENDPOINT_URL_REPOSTSPACE: simulator.url,
      ALLOWED_SPACE_IDS: SPACE,
      DEFAULT_SPACE_ID: SPACE,
      LOCAL_SUMMARY_SECONDS: '0.2',
      POWERTOOLS_LOG_LEVEL: level,
    };
    delete env.AWS_ENDPOINT_URL_SQS;
    const child: ChildProcess = spawn(process.execPath, [MAIN], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const accepted = new EventTarget();
    const collect = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      accepted.dispatchEvent(new Event('output'));
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const used: string[] = [];
    const ids = (label: string, count: number) => {
      const made = accessorIds(label, count);
      used.push(...made);
      return made;
    };
    try {
      // The banner names the gateway's address once the stack is up.
      const started = AbortSignal.timeout(60_000);
      const gone = once(child, 'exit');
      let url: string | undefined;
      while (url === undefined) {
        url = /POST (http:\/\/[^/\s]+)\/spaces\//.exec(output)?.[1];
        if (url !== undefined) break;
        const ended = await Promise.race([
          once(accepted, 'output', { signal: started }).then(() => false),
          gone.then(() => true),
        ]).catch(() => true);
        assert.ok(!ended, `the stack did not start:\n${output}`);
      }

      const post = (spaceId: string, body: unknown) =>
        fetch(`${url}/spaces/${spaceId}/invite`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }).then((response) => response.status);
      const statuses = [
        await post(SPACE, invite(ids('local-http', 3))),
        await post(SPACE, invite([...ids('local-bad', 2), ''])),
        await post('SPNOTALLOWED', invite(ids('local-403', 2))),
      ];
      const entry = (detailType: string, detail: unknown) => ({
        Source: 'hr.events',
        DetailType: detailType,
        Detail: JSON.stringify(detail),
      });
      const onboarded = ids('local-onboarded', 1)[0];
      const requested = ids('local-requested', 2);
      const putEvents = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'AWSEvents.PutEvents',
        },
        body: JSON.stringify({
          Entries: [
            entry('Employee Onboarded', { accessorId: onboarded }),
            entry('Invite Requested', { spaceId: SPACE, ...invite(requested) }),
            entry('Invite Requested', {
              spaceId: SPACE,
              ...invite([...ids('local-hr-bad', 1), '']),
            }),
          ],
        }),
      });
      await simulator.waitForDeliveredAccessors(6, { signal: AbortSignal.timeout(30_000) });
      // The parked event is told on the console too: wait for three accepted lines and it.
      const signal = AbortSignal.timeout(30_000);
      while (
        (output.match(/^accepted /gm) ?? []).length < 3 ||
        (output.match(/^parked /gm) ?? []).length < 1
      ) {
        await once(accepted, 'output', { signal });
      }
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];

      return { output, used, statuses, putEvents: putEvents.status, code };
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await simulator.stop();
      state.cleanup();
    }
  }

  for (const level of LEVELS) {
    it(`at ${level}: banner, accepted and notice lines, status lines and the functions' logs`, async () => {
      const { output, used, statuses, putEvents, code } = await runStack(level);

      assert.deepEqual(statuses, [202, 400, 403]);
      assert.equal(putEvents, 200);
      assert.equal(code, 0);
      assert.match(output, /local stack is up/);
      assert.match(output, /^notice {4}400 POST/m);
      assert.match(
        output,
        /^parked {4}event "Invite Requested" parked in the DLQ: ValidationException/m,
      );
      const checked = assertPrivate(output, used);
      if (level === 'DEBUG') assert.ok(checked.accessorLines > 0, 'DEBUG names the accessors');
      else assert.equal(checked.accessorLines, 0);
    });
  }
});
