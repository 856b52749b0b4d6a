import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DeliveryDependencies, deliverChunks } from '../../../shared/domain/deliver-chunks.ts';
import { LEDGER_WRITES_AT_ONCE } from '../../../shared/domain/delivery-dependencies.ts';
import type { ParkReason } from '../../../shared/domain/ports.ts';
import { receivedMessage, testChunk } from '../../helpers/chunks.ts';
import {
  RecordingDeadLetters,
  RecordingVisibility,
  ScriptedSender,
  serviceError,
} from '../../helpers/fakes.ts';

const chunk = testChunk;

const message = receivedMessage;

function setup(sender: ScriptedSender, overrides: Partial<DeliveryDependencies> = {}) {
  const visibility = new RecordingVisibility();
  const deadLetters = new RecordingDeadLetters();
  const dependencies: DeliveryDependencies = {
    sender,
    visibility,
    deadLetters,
    remainingMs: () => 60_000,
    callBudgetMs: 12_000,
    random: () => 0.999,
    ...overrides,
  };
  return { visibility, deadLetters, dependencies };
}

/** A pacer that lets every call start at once and notes the longest wait each start allows. */
function askedPacer() {
  const asked: number[] = [];
  const pacer = {
    waitMs: async (maxWaitMs: number) => {
      asked.push(maxWaitMs);
      return 0;
    },
    take: async () => true,
    succeeded: async () => undefined,
    throttled: async () => undefined,
  };
  return { asked, pacer };
}

/** A pacer that always asks for a wait of `ms` and grants every start. */
function waitingPacer(ms: number) {
  return {
    waitMs: async () => ms,
    take: async () => true,
    succeeded: async () => undefined,
    throttled: async () => undefined,
  };
}

describe('deliverChunks', () => {
  it('sends each chunk once with only the SendInvites fields and keeps nothing on success', async () => {
    const sender = new ScriptedSender();
    const { dependencies } = setup(sender);

    const keep = await deliverChunks([message(chunk(1)), message(chunk(2))], dependencies);

    assert.deepEqual(keep, []);
    assert.deepEqual(sender.calls, [
      { spaceId: 'SPACE1', accessorIds: ['user-1'], title: 'T1', body: 'B' },
      { spaceId: 'SPACE1', accessorIds: ['user-2'], title: 'T2', body: 'B' },
    ]);
  });

  it('tells the observer the ID the service gave each call it accepted', async () => {
    const sender = new ScriptedSender();
    const heard: (string | undefined)[] = [];
    const { dependencies } = setup(sender, {
      observer: { called: (_call, _outcome, _error, _latency, id) => heard.push(id) },
    });

    await deliverChunks([message(chunk(1)), message(chunk(2))], dependencies);

    assert.deepEqual(heard, ['svc-1', 'svc-2']);
  });

  it('after a throttle makes no more calls and gives the rest the same delay', async () => {
    const sender = new ScriptedSender((_, call) =>
      call === 2 ? serviceError('ThrottlingException', { retryAfterSeconds: 3 }) : undefined,
    );
    const { dependencies, visibility } = setup(sender);

    const keep = await deliverChunks(
      [1, 2, 3, 4].map((part) => message(chunk(part))),
      dependencies,
    );

    assert.equal(sender.calls.length, 2);
    assert.deepEqual(keep, ['m2', 'm3', 'm4']);
    assert.deepEqual(visibility.delays, [
      { receiptHandle: 'rh-m2', seconds: 3 },
      { receiptHandle: 'rh-m3', seconds: 3 },
      { receiptHandle: 'rh-m4', seconds: 3 },
    ]);
  });

  it('clamps the throttle delay and uses the default without Retry-After', async () => {
    const huge = setup(
      new ScriptedSender(() => serviceError('ThrottlingException', { retryAfterSeconds: 99_999 })),
    );
    const none = setup(new ScriptedSender(() => serviceError('ThrottlingException')));

    await deliverChunks([message(chunk(1))], huge.dependencies);
    await deliverChunks([message(chunk(1))], none.dependencies);

    assert.equal(huge.visibility.delays[0]?.seconds, 36_000);
    assert.equal(none.visibility.delays[0]?.seconds, 5);
  });

  it('backs off retryable faults more with each receive', async () => {
    const sender = new ScriptedSender(() => serviceError('InternalServerException'));
    const { dependencies, visibility } = setup(sender);

    const keep = await deliverChunks(
      [message(chunk(1), 1), message(chunk(2), 3), message(chunk(3), 5)],
      dependencies,
    );

    assert.deepEqual(keep, ['m1', 'm2', 'm3']);
    assert.deepEqual(
      visibility.delays.map((delay) => delay.seconds),
      [2, 8, 32],
    );
    assert.equal(sender.calls.length, 3, 'a 500 does not stop the batch');
  });

  it('honours Retry-After on a 500', async () => {
    const { dependencies, visibility } = setup(
      new ScriptedSender(() => serviceError('InternalServerException', { retryAfterSeconds: 11 })),
    );

    await deliverChunks([message(chunk(1), 4)], dependencies);

    assert.equal(visibility.delays[0]?.seconds, 11);
  });

  it('parks non-retryable chunks with the reason and lets the mapping delete them', async () => {
    const sender = new ScriptedSender((input) =>
      input.accessorIds[0] === 'user-1'
        ? serviceError('ResourceNotFoundException', { requestId: 'svc-404' })
        : undefined,
    );
    const { dependencies, deadLetters } = setup(sender);
    const parkedChunk = message(chunk(1));

    const keep = await deliverChunks([parkedChunk, message(chunk(2))], dependencies);

    assert.deepEqual(keep, []);
    assert.deepEqual(deadLetters.parked, [
      {
        body: parkedChunk.body,
        reason: {
          errorType: 'ResourceNotFoundException',
          errorMessage: 'ResourceNotFoundException from the service',
          serviceRequestId: 'svc-404',
        },
      },
    ]);
  });

  it('parks a message that does not follow the schema without calling the service', async () => {
    const sender = new ScriptedSender();
    const { dependencies, deadLetters } = setup(sender);

    const keep = await deliverChunks(
      [
        message('not json'),
        message(JSON.stringify({ ...chunk(1), v: 2 })),
        message(JSON.stringify({ ...chunk(1), accessorIds: [] })),
      ],
      dependencies,
    );

    assert.deepEqual(keep, []);
    assert.equal(sender.calls.length, 0);
    assert.deepEqual(
      deadLetters.parked.map((entry) => entry.reason.errorType),
      ['InvalidMessage', 'InvalidMessage', 'InvalidMessage'],
    );
    assert.match(deadLetters.parked[1]?.reason.errorMessage ?? '', /version 2/);
    assert.match(deadLetters.parked[2]?.reason.errorMessage ?? '', /accessorIds/);
  });

  it('parks a message whose version is nested too deeply to print', async () => {
    const sender = new ScriptedSender();
    const { dependencies, deadLetters } = setup(sender);
    const body = `{"v":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;

    const keep = await deliverChunks([message(body)], dependencies);

    assert.deepEqual(keep, []);
    assert.equal(sender.calls.length, 0);
    assert.equal(deadLetters.parked[0]?.reason.errorType, 'InvalidMessage');
    assert.match(deadLetters.parked[0]?.reason.errorMessage ?? '', /version an array/);
  });

  it('stops starting calls when too little time is left and hands the rest back shortly', async () => {
    let remaining = 30_000;
    const sender = new ScriptedSender(() => {
      remaining -= 10_000;
      return undefined;
    });
    const { dependencies, visibility } = setup(sender, { remainingMs: () => remaining });

    const keep = await deliverChunks(
      [1, 2, 3, 4].map((part) => message(chunk(part))),
      dependencies,
    );

    assert.equal(sender.calls.length, 2);
    assert.deepEqual(keep, ['m3', 'm4']);
    assert.deepEqual(
      visibility.delays.map((delay) => delay.seconds),
      [1, 1],
    );
  });

  it('keeps the message on the queue when the visibility change fails', async () => {
    const { dependencies, visibility } = setup(
      new ScriptedSender(() => serviceError('ThrottlingException')),
    );
    visibility.failWith = new Error('SQS down');

    const keep = await deliverChunks([message(chunk(1))], dependencies);

    assert.deepEqual(keep, ['m1']);
  });

  it('keeps the message on the queue when parking it fails', async () => {
    const { dependencies, deadLetters } = setup(
      new ScriptedSender(() => serviceError('AccessDeniedException')),
    );
    deadLetters.failWith = new Error('SQS down');

    const keep = await deliverChunks([message(chunk(1)), message('garbage')], dependencies);

    assert.deepEqual([...keep].sort(), ['m1', 'raw-7']);
  });

  it('merges chunks with the same space, title and body into calls of at most 1000 accessors', async () => {
    const sender = new ScriptedSender();
    const { dependencies } = setup(sender);
    const same = { title: 'Welcome', accessorIds: [] as string[] };
    const onboarded = Array.from({ length: 6 }, (_, index) =>
      message(chunk(index + 1, { ...same, accessorIds: [`hire-${index}`] })),
    );
    const bulk = message(
      chunk(7, { ...same, accessorIds: Array.from({ length: 998 }, (_, i) => `bulk-${i}`) }),
    );
    const otherSpace = message(
      chunk(8, { ...same, spaceId: 'SPACE2', accessorIds: ['elsewhere'] }),
    );
    const repeat = message(chunk(9, { ...same, accessorIds: ['hire-0'] }));

    const keep = await deliverChunks([...onboarded, bulk, otherSpace, repeat], dependencies);

    assert.deepEqual(keep, []);
    assert.deepEqual(
      sender.calls.map((call) => [call.spaceId, call.accessorIds.length]),
      [
        ['SPACE1', 6],
        ['SPACE1', 998],
        ['SPACE2', 1],
      ],
    );
    assert.deepEqual(sender.calls[0]?.accessorIds, [
      'hire-0',
      'hire-1',
      'hire-2',
      'hire-3',
      'hire-4',
      'hire-5',
    ]);
  });

  it("applies a merged call's outcome to every message in it", async () => {
    const sender = new ScriptedSender(() =>
      serviceError('ThrottlingException', { retryAfterSeconds: 2 }),
    );
    const { dependencies, visibility } = setup(sender);
    const parts = [1, 2, 3].map((part) => message(chunk(part, { title: 'same' })));

    const keep = await deliverChunks(parts, dependencies);

    assert.equal(sender.calls.length, 1);
    assert.deepEqual(keep, ['m1', 'm2', 'm3']);
    assert.deepEqual(
      visibility.delays.map((delay) => delay.seconds),
      [2, 2, 2],
    );
  });

  it('tries each chunk of a refused merged call alone and parks only the one refused', async () => {
    const sender = new ScriptedSender((input) =>
      input.accessorIds.includes('user-2') ? serviceError('ValidationException') : undefined,
    );
    const { dependencies, deadLetters } = setup(sender);

    const keep = await deliverChunks(
      [1, 2, 3].map((part) => message(chunk(part, { title: 'same' }))),
      dependencies,
    );

    assert.deepEqual(keep, []);
    assert.deepEqual(
      sender.calls.map((call) => call.accessorIds),
      [['user-1', 'user-2', 'user-3'], ['user-1'], ['user-2'], ['user-3']],
    );
    assert.deepEqual(
      deadLetters.parked.map((entry) => JSON.parse(entry.body).part),
      [2],
    );
  });

  it('parks every chunk of a merged call refused for its space, without trying each alone', async () => {
    const sender = new ScriptedSender(() => serviceError('AccessDeniedException'));
    const { dependencies, deadLetters } = setup(sender);

    const keep = await deliverChunks(
      [1, 2, 3].map((part) => message(chunk(part, { title: 'same' }))),
      dependencies,
    );

    assert.deepEqual(keep, []);
    assert.equal(sender.calls.length, 1, 'one refusal of the space is enough');
    assert.deepEqual(
      deadLetters.parked.map((entry) => JSON.parse(entry.body).part),
      [1, 2, 3],
    );
  });

  it('parks the chunks of a refused call, and those on their last receive, several at once', async () => {
    // A DLQ that notes how many parks are under way at once.
    class CountingDeadLetters extends RecordingDeadLetters {
      underWay = 0;
      most = 0;
      override async park(body: string, reason: ParkReason) {
        this.most = Math.max(this.most, ++this.underWay);
        await new Promise((resolve) => setImmediate(resolve));
        this.underWay--;
        await super.park(body, reason);
      }
    }
    const parts = Array.from({ length: 40 }, (_, index) => index + 1);
    const refused = new CountingDeadLetters();
    const lastReceive = new CountingDeadLetters();

    await deliverChunks(
      parts.map((part) => message(chunk(part, { title: 'same', parts: 40 }))),
      setup(new ScriptedSender(() => serviceError('AccessDeniedException')), {
        deadLetters: refused,
      }).dependencies,
    );
    await deliverChunks(
      parts.map((part) => message(chunk(part, { title: 'same', parts: 40 }), 100)),
      setup(new ScriptedSender(() => serviceError('ThrottlingException')), {
        deadLetters: lastReceive,
        maxReceiveCount: 100,
      }).dependencies,
    );

    for (const deadLetters of [refused, lastReceive]) {
      assert.equal(deadLetters.most, LEDGER_WRITES_AT_ONCE);
      assert.deepEqual(
        deadLetters.parked.map((entry) => JSON.parse(entry.body).part).sort((a, b) => a - b),
        parts,
      );
    }
    assert.deepEqual(
      new Set(lastReceive.parked.map((entry) => entry.reason.errorType)),
      new Set(['MaxReceiveCountExceeded']),
    );
  });

  it('tries a part that is in the batch twice alone once, and deletes its copy, when a merged call is refused', async () => {
    // A standard queue delivered part 1 twice; part 2 is what the service refuses.
    const sender = new ScriptedSender((input) =>
      input.accessorIds.includes('user-2') ? serviceError('ValidationException') : undefined,
    );
    const copies: string[] = [];
    const { dependencies, deadLetters } = setup(sender, {
      observer: { copyInBatch: (copy) => copies.push(copy.messageId) },
    });
    const first = message(chunk(1, { title: 'same' }));
    const copy = { ...first, messageId: 'm1-copy', receiptHandle: 'rh-m1-copy' };

    const keep = await deliverChunks(
      [first, copy, message(chunk(2, { title: 'same' }))],
      dependencies,
    );

    assert.deepEqual(
      sender.calls.map((call) => call.accessorIds),
      [['user-1', 'user-2'], ['user-1'], ['user-2']],
    );
    assert.deepEqual(keep, [], 'the copy is deleted with its part');
    assert.deepEqual(copies, ['m1-copy']);
    assert.deepEqual(
      deadLetters.parked.map((entry) => JSON.parse(entry.body).part),
      [2],
    );
  });

  it('sends both messages of one part when their bodies differ: only an identical one is a copy', async () => {
    const sender = new ScriptedSender();
    const { dependencies } = setup(sender);
    const first = message(chunk(1));
    const other = {
      ...message(chunk(1, { accessorIds: ['user-other'] })),
      messageId: 'm1-other',
      receiptHandle: 'rh-m1-other',
    };

    const keep = await deliverChunks([first, other], dependencies);

    assert.deepEqual(keep, []);
    assert.deepEqual(
      sender.calls.map((call) => call.accessorIds),
      [['user-1', 'user-other']],
    );
  });

  it('hands a call back instead of starting it when taking its start used up the time left', async () => {
    let remaining = 60_000;
    const pacer = {
      waitMs: async () => 0,
      // The start was held ahead: taking it reads the store, slowly this time.
      take: async () => {
        remaining = 12_000 - 1;
        return true;
      },
      succeeded: async () => undefined,
      throttled: async () => undefined,
    };
    const sender = new ScriptedSender();
    const delays: string[] = [];
    const { dependencies, visibility } = setup(sender, {
      pacer,
      remainingMs: () => remaining,
      observer: { delayed: (_message, _seconds, cause) => delays.push(cause) },
    });

    const keep = await deliverChunks([message(chunk(1))], dependencies);

    assert.equal(sender.calls.length, 0);
    assert.deepEqual(keep, ['m1']);
    assert.deepEqual(visibility.delays, [{ receiptHandle: 'rh-m1', seconds: 1 }]);
    assert.deepEqual(delays, ['outOfTime']);
  });

  it('waits for the pacer before a call and tells it each outcome', async () => {
    const events: string[] = [];
    const pacer = {
      waitMs: async (maxWaitMs: number) => {
        events.push(`waitMs ${maxWaitMs}`);
        return 300;
      },
      take: async () => {
        events.push('take');
        return true;
      },
      succeeded: async () => {
        events.push('succeeded');
      },
      throttled: async (seconds?: number) => {
        events.push(`throttled ${seconds}`);
      },
    };
    const sender = new ScriptedSender((_, call) =>
      call === 2 ? serviceError('ThrottlingException', { retryAfterSeconds: 4 }) : undefined,
    );
    const { dependencies } = setup(sender, {
      pacer,
      sleep: async (ms) => {
        events.push(`sleep ${ms}`);
      },
    });

    await deliverChunks(
      [1, 2, 3].map((part) => message(chunk(part))),
      dependencies,
    );

    assert.deepEqual(events, [
      'waitMs 30000',
      'sleep 300',
      'take',
      'succeeded',
      'waitMs 30000',
      'sleep 300',
      'take',
      'throttled 4',
    ]);
  });

  it('asks the pacer for no start later than the time left for a call allows', async () => {
    const { asked, pacer } = askedPacer();
    const { dependencies } = setup(new ScriptedSender(), {
      pacer,
      remainingMs: () => 12_500,
      callBudgetMs: 12_000,
    });

    await deliverChunks([message(chunk(1))], dependencies);

    assert.deepEqual(asked, [500]);
  });

  it('asks the pacer for no start at all when no time is left for a call', async () => {
    const { asked, pacer } = askedPacer();
    const sender = new ScriptedSender();
    const { dependencies } = setup(sender, {
      pacer,
      remainingMs: () => 11_500,
      callBudgetMs: 12_000,
    });

    const keep = await deliverChunks([message(chunk(1))], dependencies);

    assert.deepEqual(asked, [], 'a start taken now would go unused');
    assert.deepEqual(keep, ['m1']);
    assert.equal(sender.calls.length, 0);
  });

  it('paces a call again when a throttle elsewhere revoked the start held for it', async () => {
    const events: string[] = [];
    let takes = 0;
    const pacer = {
      waitMs: async () => {
        events.push('waitMs');
        return takes === 0 ? 200 : 900;
      },
      take: async () => {
        takes++;
        events.push(`take ${takes}`);
        return takes > 1;
      },
      succeeded: async () => {
        events.push('succeeded');
      },
      throttled: async () => undefined,
    };
    const sender = new ScriptedSender();
    const { dependencies } = setup(sender, {
      pacer,
      sleep: async (ms) => {
        events.push(`sleep ${ms}`);
      },
    });

    const keep = await deliverChunks([message(chunk(1))], dependencies);

    assert.deepEqual(keep, []);
    assert.equal(sender.calls.length, 1);
    assert.deepEqual(events, [
      'waitMs',
      'sleep 200',
      'take 1',
      'waitMs',
      'sleep 900',
      'take 2',
      'succeeded',
    ]);
  });

  it('waits out a slow schedule inside the invocation, spending no receive on what it can still send', async () => {
    // Prepare: one start every 5 s (a quota of 0.2 calls/s), on a clock only the waits move.
    let clock = 0;
    let nextStart = 0;
    const pacer = {
      waitMs: async () => Math.max(0, nextStart - clock),
      take: async () => {
        nextStart = Math.max(nextStart, clock) + 5_000;
        return true;
      },
      succeeded: async () => undefined,
      throttled: async () => undefined,
    };
    const sender = new ScriptedSender();
    const { dependencies, visibility } = setup(sender, {
      pacer,
      remainingMs: () => 60_000 - clock,
      sleep: async (ms) => {
        clock += ms;
      },
    });
    const batch = Array.from({ length: 25 }, (_, index) =>
      message(chunk(index + 1, { parts: 25 })),
    );

    // Act
    const keep = await deliverChunks(batch, dependencies);

    // Assess: a call every 5 s while a whole call still fits (12 s), then the rest goes back.
    assert.equal(sender.calls.length, 10);
    assert.equal(keep.length, 15);
    assert.deepEqual(new Set(visibility.delays.map((delay) => delay.seconds)), new Set([1]));
  });

  it('hands the batch back for at most 10 hours when the pacer would have it wait longer', async () => {
    const sender = new ScriptedSender();
    const pacer = waitingPacer(50_000_000);
    const { dependencies, visibility } = setup(sender, { pacer });

    await deliverChunks([message(chunk(1))], dependencies);

    assert.deepEqual(
      visibility.delays.map((delay) => delay.seconds),
      [36_000],
    );
  });

  it('hands the batch back instead of waiting long for the pacer', async () => {
    const sender = new ScriptedSender();
    const pacer = waitingPacer(4_500);
    const { dependencies, visibility } = setup(sender, { pacer, maxPaceWaitMs: 2_000 });

    const keep = await deliverChunks(
      [1, 2].map((part) => message(chunk(part))),
      dependencies,
    );

    assert.equal(sender.calls.length, 0);
    assert.deepEqual(keep, ['m1', 'm2']);
    assert.deepEqual(
      visibility.delays.map((delay) => delay.seconds),
      [5, 5],
    );
  });
});
