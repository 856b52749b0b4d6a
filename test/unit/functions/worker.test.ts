import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { createWorkerHandler } from '../../../functions/worker/worker.ts';
import { DELIVERED_ATTRIBUTES } from '../../../shared/adapters/sqs-delivered-requeue.ts';
import { ACCEPTED_AT_ATTRIBUTE } from '../../../shared/adapters/sqs-invite-queue.ts';
import type { ReceivedMessage } from '../../../shared/domain/delivery.ts';
import { OUT_OF_TIME_DELAY_SECONDS } from '../../../shared/domain/delivery-dependencies.ts';
import type { InviteChunk } from '../../../shared/domain/invite.ts';
import { encodeInviteChunk } from '../../../shared/domain/invite-chunk.ts';
import type { BatchSource, CallGroups } from '../../../shared/domain/ports.ts';
import { lambdaContext, sqsEvent, sqsRecord } from '../../helpers/events.ts';
import {
  RecordingDeadLetters,
  RecordingVisibility,
  ScriptedSender,
  serviceError,
} from '../../helpers/fakes.ts';
import { captureOutput, quietMetrics, silentLogger } from '../../helpers/logs.ts';

const TITLE = 'SECRET-TITLE-5d2e';
const BODY = 'SECRET-BODY-c81f';

function chunk(part: number, overrides: Partial<InviteChunk> = {}): InviteChunk {
  return {
    v: 1,
    requestId: 'req-worker-1',
    part,
    parts: 9,
    spaceId: 'SPACE1',
    title: TITLE,
    // Chunks that share space, title and body may be merged into one call; these never are.
    body: `${BODY}-${part}`,
    accessorIds: [`person-${part}-a@example.com`, `person-${part}-b@example.com`],
    ...overrides,
  };
}

function record(part: number, receiveCount = 1): SQSRecord {
  return sqsRecord(encodeInviteChunk(chunk(part)), { receiveCount });
}

function setup(
  sender: ScriptedSender,
  options: {
    logger?: Logger;
    callBudgetMs?: number;
    batchSource?: BatchSource;
    groups?: CallGroups;
    topUpWindowMs?: number;
    maxReceiveCount?: number;
  } = {},
) {
  const visibility = new RecordingVisibility();
  const deadLetters = new RecordingDeadLetters();
  const { batchSource, groups } = options;
  const handler = createWorkerHandler({
    config: {
      callBudgetMs: options.callBudgetMs ?? 5_000,
      topUpWindowMs: options.topUpWindowMs ?? 200,
      ...(options.maxReceiveCount ? { maxReceiveCount: options.maxReceiveCount } : {}),
    },
    logger: options.logger ?? silentLogger(),
    metrics: quietMetrics(),
    random: () => 0.999,
    ports: {
      sender,
      visibility,
      deadLetters,
      ...(batchSource ? { batchSource } : {}),
      ...(groups ? { groups } : {}),
    },
  });
  return { handler, visibility, deadLetters };
}

function failures(response: SQSBatchResponse | undefined): string[] {
  return (response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier);
}

interface LogLine {
  level: string;
  message: string;
  [key: string]: unknown;
}

function logLines(output: string): LogLine[] {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LogLine);
}

/** The keys lines give for one record: their own, or those of the `chunks` entry naming it. */
function keysFor(lines: LogLine[], record: SQSRecord): Record<string, unknown>[] {
  return lines.flatMap((line) => {
    if (line.messageId === record.messageId) return [line];
    const chunks = Array.isArray(line.chunks) ? (line.chunks as Record<string, unknown>[]) : [];
    return chunks.filter((entry) => entry.messageId === record.messageId);
  });
}

describe('worker handler', () => {
  it('reports only the messages to keep, by messageId, in an SQSBatchResponse', async () => {
    const sender = new ScriptedSender((input) =>
      input.accessorIds[0]?.startsWith('person-2-')
        ? serviceError('InternalServerException')
        : undefined,
    );
    const { handler, visibility, deadLetters } = setup(sender);
    const delivered = record(1);
    const retried = record(2, 3);
    const invalid = sqsRecord('{"v":1');

    const response = await handler(sqsEvent([delivered, retried, invalid]), lambdaContext());

    assert.deepEqual(response, { batchItemFailures: [{ itemIdentifier: retried.messageId }] });
    // Full-jitter backoff at ApproximateReceiveCount 3 (random 0.999 of 2 × 2²) is 8 s.
    assert.deepEqual(visibility.delays, [{ receiptHandle: retried.receiptHandle, seconds: 8 }]);
    assert.deepEqual(
      deadLetters.parked.map((parked) => [parked.body, parked.reason.errorType]),
      [[invalid.body, 'InvalidMessage']],
    );
    assert.equal(sender.calls.length, 2);
  });

  it('answers an empty batch with no failures and no calls', async () => {
    const sender = new ScriptedSender();
    const { handler } = setup(sender);

    // Powertools warns on stdout that no metrics were added; keep that out of the test output.
    const { result: response } = await captureOutput(() => handler(sqsEvent([]), lambdaContext()));

    assert.deepEqual(response, { batchItemFailures: [] });
    assert.equal(sender.calls.length, 0);
  });

  it('makes no call after a throttle and hands the rest of a batch of 5 back with its delay', async () => {
    const sender = new ScriptedSender((_, call) =>
      call === 2 ? serviceError('ThrottlingException', { retryAfterSeconds: 7 }) : undefined,
    );
    const { handler, visibility, deadLetters } = setup(sender);
    const records = [1, 2, 3, 4, 5].map((part) => record(part));

    const response = await handler(sqsEvent(records), lambdaContext());

    assert.equal(sender.calls.length, 2);
    assert.deepEqual(
      failures(response),
      records.slice(1).map((kept) => kept.messageId),
    );
    assert.deepEqual(
      visibility.delays,
      records.slice(1).map((kept) => ({ receiptHandle: kept.receiptHandle, seconds: 7 })),
    );
    assert.equal(deadLetters.parked.length, 0);
  });

  it('starts no call with less time left than the call budget and hands those messages back', async () => {
    let remainingMs = 20_000;
    // Each call uses 6 s of the invocation: after two, 8 s are left, under the 10 s budget.
    const sender = new ScriptedSender(() => {
      remainingMs -= 6_000;
      return undefined;
    });
    const { handler, visibility } = setup(sender, { callBudgetMs: 10_000 });
    const records = [1, 2, 3, 4].map((part) => record(part));

    const response = await handler(
      sqsEvent(records),
      lambdaContext(() => remainingMs),
    );

    assert.deepEqual(
      sender.calls.map((call) => call.accessorIds[0]),
      ['person-1-a@example.com', 'person-2-a@example.com'],
    );
    assert.deepEqual(failures(response), [records[2]?.messageId, records[3]?.messageId]);
    assert.deepEqual(
      visibility.delays.map((delay) => delay.seconds),
      [OUT_OF_TIME_DELAY_SECONDS, OUT_OF_TIME_DELAY_SECONDS],
    );
  });

  describe('a batch topped up from the queue', () => {
    /** Hands out `extra` on the first receive, then nothing; deletes all but `undeletable`. */
    class OneTopUp implements BatchSource {
      readonly deleted: string[] = [];
      receives = 0;
      failWith: Error | undefined;
      #extra: ReceivedMessage[];
      readonly #undeletable: Set<string>;
      // Refused on the first delete only.
      readonly #flaky: Set<string>;

      constructor(extra: ReceivedMessage[], undeletable: string[] = [], flaky: string[] = []) {
        this.#extra = extra;
        this.#undeletable = new Set(undeletable);
        this.#flaky = new Set(flaky);
      }

      async receive() {
        this.receives++;
        if (this.failWith) throw this.failWith;
        const extra = this.#extra;
        this.#extra = [];
        if (extra.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
        return extra;
      }

      async delete(receiptHandles: readonly string[]) {
        const refused = receiptHandles.filter(
          (handle) => this.#undeletable.has(handle) || this.#flaky.delete(handle),
        );
        this.deleted.push(...receiptHandles.filter((handle) => !refused.includes(handle)));
        return refused.map((receiptHandle) => ({
          receiptHandle,
          error: Object.assign(new Error('Access to the resource is denied'), {
            name: 'AccessDenied',
          }),
        }));
      }
    }

    const extraOf = (part: number, body: string): ReceivedMessage => ({
      messageId: `extra-${part}`,
      receiptHandle: `extra-handle-${part}`,
      body: encodeInviteChunk(chunk(part, { body })),
      receiveCount: 1,
    });

    it('sends the extra chunks with the batch and deletes them itself; a failed delete is logged', async () => {
      const sender = new ScriptedSender();
      const source = new OneTopUp(
        [extraOf(2, 'shared'), extraOf(3, 'shared'), extraOf(4, 'shared')],
        ['extra-handle-3'],
        ['extra-handle-4'],
      );
      const { handler } = setup(sender, {
        batchSource: source,
        logger: new Logger({ serviceName: 'test', logLevel: 'ERROR' }),
      });
      const batch = sqsRecord(encodeInviteChunk(chunk(1, { body: 'shared' })));

      const { result, output } = await captureOutput(() =>
        handler(sqsEvent([batch]), lambdaContext()),
      );

      assert.deepEqual(failures(result), []);
      assert.equal(sender.calls.length, 1, 'one call for the four chunks');
      assert.equal(sender.calls[0]?.accessorIds.length, 8);
      assert.deepEqual(source.deleted, ['extra-handle-2', 'extra-handle-4'], 'tried twice');
      const [line, ...more] = logLines(output);
      assert.equal(more.length, 0);
      assert.equal(line?.message, 'Could not delete the message; it stays on the queue');
      assert.equal(line?.messageId, 'extra-3');
    });

    /** Groups that answer as scripted, noting what was asked. */
    function scriptedGroups(answers: {
      open: boolean;
      join?: boolean;
      handed?: ReceivedMessage[];
    }) {
      const asked: string[] = [];
      const groups: CallGroups = {
        async open() {
          asked.push('open');
          return answers.open;
        },
        async join(_content, handOff) {
          asked.push(`join ${handOff.messages.length}`);
          return answers.join ? { group: 'leader-1' } : false;
        },
        async close() {
          asked.push('close');
          return answers.handed ?? [];
        },
      };
      return { groups, asked };
    }

    it('hands a small batch to the call another worker gathers: no call, no top-up, every message kept for it', async () => {
      const sender = new ScriptedSender();
      const source = new OneTopUp([extraOf(2, 'shared')]);
      const { groups, asked } = scriptedGroups({ open: false, join: true });
      const { handler, visibility } = setup(sender, { batchSource: source, groups });
      const batch = [1, 3].map((part) =>
        sqsRecord(encodeInviteChunk(chunk(part, { body: 'shared' }))),
      );

      const result = await handler(sqsEvent(batch), lambdaContext());

      assert.deepEqual(asked, ['open', 'join 2']);
      assert.deepEqual(
        failures(result),
        batch.map((record) => record.messageId),
      );
      assert.equal(sender.calls.length, 0);
      assert.equal(source.receives, 0);
      assert.deepEqual(visibility.delays, [], 'left invisible for the leader to settle');
    });

    it('sends a batch on its last receive itself, handing it to no group', async () => {
      const sender = new ScriptedSender();
      const { groups, asked } = scriptedGroups({ open: false, join: true });
      const { handler } = setup(sender, {
        batchSource: new OneTopUp([]),
        groups,
        maxReceiveCount: 100,
      });
      const batch = [1, 3].map((part) =>
        sqsRecord(encodeInviteChunk(chunk(part, { body: 'shared' })), {
          receiveCount: part === 1 ? 100 : 7,
        }),
      );

      const result = await handler(sqsEvent(batch), lambdaContext());

      assert.deepEqual(asked, []);
      assert.equal(sender.calls.length, 1);
      assert.deepEqual(failures(result), []);
    });

    it('sends what other workers handed it with its batch, and deletes those messages itself', async () => {
      const sender = new ScriptedSender();
      const source = new OneTopUp([]);
      const handed = [extraOf(5, 'shared'), extraOf(6, 'shared')];
      const { groups, asked } = scriptedGroups({ open: true, handed });
      const { handler } = setup(sender, { batchSource: source, groups });
      const batch = sqsRecord(encodeInviteChunk(chunk(1, { body: 'shared' })));

      const result = await handler(sqsEvent([batch]), lambdaContext());

      assert.deepEqual(asked, ['open', 'close']);
      assert.deepEqual(failures(result), []);
      assert.equal(sender.calls.length, 1, 'one call for its chunk and the two handed in');
      assert.equal(sender.calls[0]?.accessorIds.length, 6);
      assert.deepEqual(source.deleted, ['extra-handle-5', 'extra-handle-6']);
    });

    it('does not wait longer for a request accepted ahead of its clock, nor past the last call start', async () => {
      const sender = new ScriptedSender();
      const batch = sqsRecord(encodeInviteChunk(chunk(1)));
      const aheadOfUs = {
        ...batch,
        messageAttributes: {
          [ACCEPTED_AT_ATTRIBUTE]: { dataType: 'Number', stringValue: String(Date.now() + 60_000) },
        },
      };
      const ahead = setup(sender, { batchSource: new OneTopUp([]) });
      // 5.3 s left against a 5 s call budget: a call must start within 0.3 s.
      const short = setup(sender, { batchSource: new OneTopUp([]), topUpWindowMs: 10_000 });

      const started = performance.now();
      await ahead.handler(sqsEvent([aheadOfUs]), lambdaContext());
      const aheadMs = performance.now() - started;
      await short.handler(
        sqsEvent([record(2)]),
        lambdaContext(() => 5_300),
      );
      const shortMs = performance.now() - started - aheadMs;

      assert.equal(sender.calls.length, 2);
      assert.ok(aheadMs < 1_500, `held ${Math.round(aheadMs)} ms, not a minute`);
      assert.ok(shortMs < 1_500, `held ${Math.round(shortMs)} ms, not 10 s`);
    });

    it('receives nothing more when its call could not start in time, not even a backlog', async () => {
      const sender = new ScriptedSender();
      const source = new OneTopUp([extraOf(2, 'shared')]);
      const { handler } = setup(sender, { batchSource: source });
      const batch = sqsRecord(encodeInviteChunk(chunk(1, { body: 'shared' })));

      // 5.1 s left against a 5 s call budget: less than the 200 ms a gathering leaves its call.
      await handler(
        sqsEvent([batch]),
        lambdaContext(() => 5_100),
      );

      assert.equal(source.receives, 0);
    });

    it('does not top up a batch with nothing to send, and logs a receive that fails', async () => {
      const sender = new ScriptedSender();
      const idle = new OneTopUp([extraOf(2, 'shared')]);
      const recordOnly = sqsRecord(encodeInviteChunk(chunk(1)));
      const marked = {
        ...recordOnly,
        messageAttributes: {
          [DELIVERED_ATTRIBUTES.deliveredAt]: {
            dataType: 'String',
            stringValue: new Date().toISOString(),
          },
        },
      };
      const failing = new OneTopUp([]);
      failing.failWith = new Error('AccessDenied');

      await setup(sender, { batchSource: idle }).handler(sqsEvent([marked]), lambdaContext());
      const { output } = await captureOutput(() =>
        setup(sender, {
          batchSource: failing,
          logger: new Logger({ serviceName: 'test', logLevel: 'WARN' }),
        }).handler(sqsEvent([record(3)]), lambdaContext()),
      );

      assert.equal(idle.receives, 0);
      const warnings = logLines(output).filter((line) => line.level === 'WARN');
      assert.deepEqual(
        warnings.map((line) => line.message),
        ['Could not top the batch up from the queue; it goes as it is'],
      );
      assert.equal(sender.calls.at(-1)?.accessorIds.length, 2, 'the batch went as it was');
    });

    it('counts the window from when the request was accepted, not from when it was queued', async () => {
      /** An empty queue that notes when each receive came, and how long it would wait. */
      class EmptyQueue implements BatchSource {
        receives: { at: number; waitSeconds: number }[] = [];
        async receive(_max: number, waitSeconds: number) {
          this.receives.push({ at: Date.now(), waitSeconds });
          await new Promise((resolve) => setTimeout(resolve, Math.max(5, waitSeconds * 1000)));
          return [];
        }
        async delete() {
          return [];
        }
        /** How long the receives since `from` spanned, and whether one waited. */
        since(from: number) {
          const mine = this.receives.slice(from);
          const span = (mine.at(-1)?.at ?? 0) - (mine[0]?.at ?? 0);
          return { span, longPoll: mine.some(({ waitSeconds }) => waitSeconds > 0) };
        }
      }
      const sender = new ScriptedSender();
      const source = new EmptyQueue();
      const { handler } = setup(sender, { batchSource: source, topUpWindowMs: 2_000 });
      const batch = sqsRecord(encodeInviteChunk(chunk(1, { body: 'shared' })));
      const acceptedLongAgo = {
        ...batch,
        messageAttributes: {
          [ACCEPTED_AT_ATTRIBUTE]: { dataType: 'Number', stringValue: String(Date.now() - 5_000) },
        },
      };

      await handler(sqsEvent([acceptedLongAgo]), lambdaContext());
      const late = source.since(0);
      const lateReceives = source.receives.length;
      await handler(sqsEvent([batch]), lambdaContext());
      const fresh = source.since(lateReceives);

      // Accepted long ago: only the least gathering (100 ms), polled without waiting.
      assert.equal(late.longPoll, false);
      assert.ok(late.span < 1_000, `${late.span} ms`);
      assert.ok(lateReceives > 1, 'it still gathered a little, for other late batches to join');
      // Accepted just now: held for its window, long-polling first.
      assert.equal(fresh.longPoll, true);
      assert.ok(fresh.span >= 1_000, `${fresh.span} ms`);
      assert.equal(sender.calls.length, 2);
    });

    it('deletes a delivered extra on the second try, and logs the reason SQS gave for one it cannot delete', async () => {
      const sender = new ScriptedSender();
      const source = new OneTopUp(
        [extraOf(2, 'shared'), extraOf(3, 'shared')],
        ['extra-handle-3'],
        ['extra-handle-2'],
      );
      const batch = sqsRecord(encodeInviteChunk(chunk(1, { body: 'shared' })));

      const { result, output } = await captureOutput(() =>
        setup(sender, {
          batchSource: source,
          logger: new Logger({ serviceName: 'test', logLevel: 'ERROR' }),
        }).handler(sqsEvent([batch]), lambdaContext()),
      );

      assert.deepEqual(failures(result), []);
      assert.equal(sender.calls.length, 1);
      assert.deepEqual(source.deleted, ['extra-handle-2']);
      const errors = logLines(output).filter((line) => line.level === 'ERROR');
      assert.deepEqual(
        errors.map((line) => [
          line.message,
          line.messageId,
          (line.error as { name: string; message: string }).name,
          (line.error as { name: string; message: string }).message,
        ]),
        [
          [
            'Could not delete the message; it stays on the queue',
            'extra-3',
            'AccessDenied',
            'Access to the resource is denied',
          ],
        ],
      );
    });

    it("reports only the batch's own messages after a throttle, and deletes none of the extras", async () => {
      const sender = new ScriptedSender(() =>
        serviceError('ThrottlingException', { retryAfterSeconds: 4 }),
      );
      const source = new OneTopUp([extraOf(2, 'shared')]);
      const { handler, visibility } = setup(sender, { batchSource: source });
      const batch = sqsRecord(encodeInviteChunk(chunk(1, { body: 'shared' })));

      const response = await handler(sqsEvent([batch]), lambdaContext());

      assert.deepEqual(failures(response), [batch.messageId]);
      assert.deepEqual(source.deleted, []);
      assert.deepEqual(
        visibility.delays.map(({ receiptHandle, seconds }) => [receiptHandle, seconds]),
        [
          [batch.receiptHandle, 4],
          ['extra-handle-2', 4],
        ],
      );
    });
  });

  describe('logging', () => {
    const accessorIds = [1, 2, 3, 4, 5].flatMap((part) => chunk(part).accessorIds);

    /** One batch through every path: delivered, parked after a 404, invalid, throttled. */
    async function runBatch(logLevel: 'DEBUG' | 'INFO') {
      const sender = new ScriptedSender((input) => {
        if (input.accessorIds[0]?.startsWith('person-2-')) {
          return serviceError('ResourceNotFoundException', { requestId: 'svc-404' });
        }
        if (input.accessorIds[0]?.startsWith('person-4-')) {
          return serviceError('ThrottlingException', { retryAfterSeconds: 3 });
        }
        return undefined;
      });
      const { handler } = setup(sender, {
        logger: new Logger({ serviceName: 'test', logLevel }),
      });
      const records = {
        delivered: record(1, 2),
        notFound: record(2),
        notJson: sqsRecord(`{"title":"${TITLE}","body":"${BODY}`),
        invalidChunk: sqsRecord(encodeInviteChunk(chunk(3, { accessorIds: [] }))),
        throttled: record(4),
        batchThrottled: record(5, 4),
      };

      const { result, output } = await captureOutput(() =>
        handler(sqsEvent(Object.values(records)), lambdaContext()),
      );

      return { records, response: result, lines: logLines(output), output };
    }

    it('logs each record with its keys and never the title or body', async () => {
      const { records, response, lines, output } = await runBatch('DEBUG');

      assert.deepEqual(failures(response), [
        records.throttled.messageId,
        records.batchThrottled.messageId,
      ]);
      for (const [message, part, receiveCount] of [
        [records.delivered, 1, 2],
        [records.notFound, 2, 1],
        [records.throttled, 4, 1],
        [records.batchThrottled, 5, 4],
      ] as const) {
        const found = keysFor(lines, message);
        assert.ok(found.length > 0, `no log line for part ${part}`);
        for (const keys of found) {
          assert.equal(keys.requestId, 'req-worker-1');
          assert.equal(keys.part, part);
          assert.equal(keys.receiveCount, receiveCount);
        }
      }
      for (const message of [records.notJson, records.invalidChunk]) {
        const [parked, ...rest] = keysFor(lines, message);
        assert.equal(rest.length, 0);
        assert.equal(parked?.level, 'ERROR');
        assert.equal(parked?.errorType, 'InvalidMessage');
        assert.equal(parked?.receiveCount, 1);
      }
      const notFound = keysFor(lines, records.notFound).find((keys) => keys.level === 'ERROR');
      assert.equal(notFound?.serviceRequestId, 'svc-404');
      assert.doesNotMatch(output, /SECRET-TITLE|SECRET-BODY/);
    });

    it('logs accessor IDs only at DEBUG', async () => {
      const debug = await runBatch('DEBUG');
      const info = await runBatch('INFO');

      const mentionsAccessor = (line: LogLine) => {
        const text = JSON.stringify(line);
        return accessorIds.some((id) => text.includes(id));
      };
      const debugMentions = debug.lines.filter(mentionsAccessor);
      assert.ok(debugMentions.length > 0, 'DEBUG logs the accessors invited');
      assert.deepEqual(new Set(debugMentions.map((line) => line.level)), new Set(['DEBUG']));
      assert.ok(keysFor(info.lines, info.records.delivered).length > 0, 'INFO logs deliveries');
      assert.ok(!accessorIds.some((id) => info.output.includes(id)));
    });
  });
});
