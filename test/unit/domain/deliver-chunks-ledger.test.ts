import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DeliveryDependencies, deliverChunks } from '../../../shared/domain/deliver-chunks.ts';
import type { ReceivedMessage } from '../../../shared/domain/delivery.ts';
import {
  LEDGER_WAIT_RESERVE_MS,
  OUT_OF_TIME_DELAY_SECONDS,
  PUT_BACK_ROUND_MS,
  SETTLE_RESERVE_MS,
  settleReserveMs,
} from '../../../shared/domain/delivery-dependencies.ts';
import { DeliveryRecorder } from '../../../shared/domain/delivery-recorder.ts';
import type { InviteChunk } from '../../../shared/domain/invite.ts';
import { receivedMessage, testChunk } from '../../helpers/chunks.ts';
import {
  RecordingDeadLetters,
  RecordingRequeue,
  RecordingVisibility,
  ScriptedSender,
  serviceError,
} from '../../helpers/fakes.ts';
import { MemoryLedger } from '../../helpers/ledger.ts';

function chunk(part: number, overrides: Partial<InviteChunk> = {}): InviteChunk {
  return testChunk(part, {
    parts: 3,
    accessorIds: [`user-${part}-a`, `user-${part}-b`],
    ...overrides,
  });
}

const message = receivedMessage;

/** The message a re-queued chunk comes back as: a new one, marked delivered. */
function remarked(
  requeued: { body: string; mark: NonNullable<ReceivedMessage['delivered']> },
  id: string,
): ReceivedMessage {
  return {
    messageId: id,
    receiptHandle: `rh-${id}`,
    body: requeued.body,
    receiveCount: 1,
    delivered: requeued.mark,
  };
}

/** One execution environment: its ledger, its memory of unrecorded outcomes, and its ports. */
function environment(sender: ScriptedSender, ledger = new MemoryLedger()) {
  const visibility = new RecordingVisibility();
  const deadLetters = new RecordingDeadLetters();
  const requeue = new RecordingRequeue();
  const ledgerErrors: string[] = [];
  const recorder = new DeliveryRecorder({
    ledger,
    retentionMs: 86_400_000,
    now: () => 5_000,
    onError: (action) => ledgerErrors.push(action),
  });
  const dependencies: DeliveryDependencies = {
    sender,
    visibility,
    deadLetters,
    recorder,
    requeue,
    now: () => 5_000,
    maxReceiveCount: 100,
    remainingMs: () => 60_000,
    callBudgetMs: 12_000,
    random: () => 0.999,
  };
  return { ledger, visibility, deadLetters, requeue, ledgerErrors, dependencies };
}

/** Counts the calls of `object[method]` from now on; resolves to the count so far. */
function countCalls<T extends object>(object: T, method: keyof T & string): () => number {
  let calls = 0;
  const original = (object[method] as (...args: unknown[]) => unknown).bind(object);
  Object.assign(object, {
    [method]: (...args: unknown[]) => {
      calls++;
      return original(...args);
    },
  });
  return () => calls;
}

/** Inviting each person once, with `ledger` as the history and a day's window. */
function inviteOnceWith(ledger: MemoryLedger) {
  return { history: ledger, windowMs: 86_400_000, now: () => 5_000 };
}

/** Records `accessorIds` as invited to SPACE1 just before, by `requestId`. */
function invitedBefore(ledger: MemoryLedger, accessorIds: string[], requestId: string) {
  return ledger.remember('SPACE1', accessorIds, 4_000, 90_000_000, () => requestId);
}

/** An `environment` whose every SendInvites call is throttled (Retry-After 5 s). */
function throttledEnvironment() {
  const sender = new ScriptedSender(() =>
    serviceError('ThrottlingException', { retryAfterSeconds: 5 }),
  );
  return { sender, ...environment(sender) };
}

/** A ledger call that never answers. */
const hang = () => new Promise<never>(() => {});

/**
 * Delivers `batch` in an invocation that ends `LEDGER_WAIT_RESERVE_MS` + 200 ms from now, as
 * Lambda runs it: resolves to what delivery returned, or to `'killed'` at the time limit.
 */
async function beforeTimeLimit(
  batch: ReceivedMessage[],
  dependencies: DeliveryDependencies,
): Promise<string[] | 'killed'> {
  const endsAt = Date.now() + LEDGER_WAIT_RESERVE_MS + 200;
  const killed = Promise.withResolvers<'killed'>();
  const kill = setTimeout(() => killed.resolve('killed'), endsAt - Date.now());
  try {
    return await Promise.race([
      deliverChunks(batch, { ...dependencies, remainingMs: () => endsAt - Date.now() }),
      killed.promise,
    ]);
  } finally {
    clearTimeout(kill);
  }
}

describe('deliverChunks with the request ledger', () => {
  it('records each delivered chunk as its part, with every accessor invited', async () => {
    // Prepare
    const { ledger, dependencies } = environment(new ScriptedSender());

    // Act
    const keep = await deliverChunks([message(chunk(1)), message(chunk(2))], dependencies);

    // Assess
    assert.deepEqual(keep, []);
    assert.deepEqual(
      [...ledger.outcomes.values()].map(({ part, outcome, invitedCount }) => [
        part,
        outcome,
        invitedCount,
      ]),
      [
        [1, 'delivered', 2],
        [2, 'delivered', 2],
      ],
    );
  });

  it('makes no call for a chunk the ledger knows as delivered (a redelivered message) and deletes it', async () => {
    // Prepare
    const sender = new ScriptedSender();
    const { dependencies } = environment(sender);
    await deliverChunks([message(chunk(1))], dependencies);

    // Act
    const keep = await deliverChunks([message(chunk(1), 2), message(chunk(2))], dependencies);

    // Assess
    assert.deepEqual(keep, []);
    assert.deepEqual(
      sender.calls.map((call) => call.title),
      ['T1', 'T2'],
    );
  });

  it('makes no call for a chunk whose copy marked delivered is in the same batch, and deletes it', async () => {
    // Prepare: the delivered chunk went back marked, but the original's delete failed.
    const sender = new ScriptedSender();
    const heard: string[] = [];
    const { ledger, dependencies } = environment(sender);
    dependencies.observer = { alreadyDelivered: (message) => heard.push(message.messageId) };
    const original = message(chunk(1));
    const marked = {
      ...message(chunk(1)),
      messageId: 'm1-marked',
      receiptHandle: 'rh-m1-marked',
      delivered: { at: 4_000, skippedIds: [] },
    };

    // Act
    const keep = await deliverChunks([original, marked], dependencies);

    // Assess
    assert.equal(sender.calls.length, 0);
    assert.deepEqual(keep, []);
    assert.deepEqual(heard, ['m1']);
    assert.equal(ledger.outcomes.get('req-1#1')?.outcome, 'delivered');
  });

  it('records a refused chunk as failed before parking it, with the reason and its accessors', async () => {
    // Prepare
    const sender = new ScriptedSender(() => serviceError('AccessDeniedException'));
    const { ledger, deadLetters, dependencies } = environment(sender);

    // Act
    await deliverChunks([message(chunk(1))], dependencies);

    // Assess
    const outcome = ledger.outcomes.get('req-1#1');
    assert.equal(outcome?.outcome, 'failed');
    assert.equal(outcome?.errorType, 'AccessDeniedException');
    assert.deepEqual(outcome?.failedIds, ['user-1-a', 'user-1-b']);
    assert.equal(deadLetters.parked.length, 1);
  });

  it('keeps a refused chunk on the queue instead of parking it while the ledger cannot record it', async () => {
    // Prepare
    const sender = new ScriptedSender(() => serviceError('AccessDeniedException'));
    const { ledger, deadLetters, visibility, dependencies } = environment(sender);
    ledger.failWith = new Error('ledger down');

    // Act
    const keep = await deliverChunks([message(chunk(1), 3)], dependencies);

    // Assess
    assert.deepEqual(keep, ['m1']);
    assert.equal(deadLetters.parked.length, 0);
    // Full-jitter backoff at receive 3: 0.999 × 2 × 2² s.
    assert.deepEqual(visibility.delays, [{ receiptHandle: 'rh-m1', seconds: 8 }]);
  });

  it('parks a refused chunk on its last receive with the service reason even when the ledger cannot record it', async () => {
    // Prepare
    const sender = new ScriptedSender(() => serviceError('AccessDeniedException'));
    const { ledger, deadLetters, visibility, dependencies } = environment(sender);
    ledger.failWith = new Error('ledger down');

    // Act
    const keep = await deliverChunks([message(chunk(1), 100)], dependencies);

    // Assess
    assert.deepEqual(keep, []);
    assert.deepEqual(visibility.delays, []);
    assert.deepEqual(
      deadLetters.parked.map(({ reason }) => reason.errorType),
      ['AccessDeniedException'],
    );
  });

  it('delivers while the ledger is down, re-queues the chunk marked delivered, and only records it when it returns, wherever', async () => {
    // Prepare
    const ledger = new MemoryLedger();
    const sender = new ScriptedSender();
    const one = environment(sender, ledger);
    const two = environment(sender, ledger);
    ledger.failWith = new Error('ledger down');

    // Act
    const first = await deliverChunks([message(chunk(1))], one.dependencies);
    const copy = one.requeue.requeued[0];
    assert.ok(copy);
    const stillDown = await deliverChunks([remarked(copy, 'copy-1')], two.dependencies);
    ledger.failWith = undefined;
    const back = await deliverChunks([remarked(copy, 'copy-2')], two.dependencies);

    // Assess
    assert.deepEqual(first, [], 'the original is deleted: its copy carries the outcome');
    assert.deepEqual(stillDown, ['copy-1'], 'kept while the ledger is still down, with no call');
    assert.deepEqual(back, []);
    assert.equal(sender.calls.length, 1, 'SendInvites was called once in all');
    assert.equal(copy.mark.at, 5_000);
    assert.deepEqual(ledger.outcomes.get('req-1#1'), {
      requestId: 'req-1',
      part: 1,
      outcome: 'delivered',
      invitedCount: 2,
      skippedIds: [],
      failedIds: [],
      at: 5_000,
    });
    assert.ok(one.ledgerErrors.includes('write'));
  });

  it('keeps whom a re-queued chunk skipped when only the mask travels with it (the list too long)', async () => {
    // Prepare: one of the chunk's two accessors was invited by another request; then the ledger
    // stops taking writes.
    const sender = new ScriptedSender();
    const { ledger, requeue, dependencies } = environment(sender);
    await invitedBefore(ledger, ['user-1-b'], 'req-0');
    const inviteOnce = inviteOnceWith(ledger);
    const recordOutcome = ledger.recordOutcome.bind(ledger);
    ledger.recordOutcome = () => Promise.reject(new Error('ledger down'));
    await deliverChunks([message(chunk(1))], { ...dependencies, inviteOnce });
    const copy = requeue.requeued[0];
    assert.ok(copy?.mark.skippedMask);
    ledger.recordOutcome = recordOutcome;

    // Act: the copy comes back with the mask alone, as SQS carries a list too long for it.
    await deliverChunks(
      [remarked({ body: copy.body, mark: { ...copy.mark, skippedIds: [] } }, 'copy-1')],
      dependencies,
    );

    // Assess
    assert.deepEqual(
      sender.calls.map((call) => call.accessorIds),
      [['user-1-a']],
    );
    assert.deepEqual(ledger.outcomes.get('req-1#1')?.skippedIds, ['user-1-b']);
    assert.equal(ledger.outcomes.get('req-1#1')?.invitedCount, 1);
  });

  it('hands back only what is left to send when a call paced again runs out of time', async () => {
    // Prepare: part 1 adds nobody (both invited before); part 2, in the same call, is new. The
    // start held for the call is revoked, and by then no time is left for another.
    const sender = new ScriptedSender();
    const { ledger, visibility, dependencies } = environment(sender);
    await invitedBefore(ledger, ['user-1-a', 'user-1-b'], 'req-0');
    let revoked = false;
    const pacer = {
      waitMs: async () => 0,
      take: async () => {
        revoked = true;
        return false;
      },
      succeeded: async () => undefined,
      throttled: async () => undefined,
    };

    // Act
    const keep = await deliverChunks(
      [1, 2].map((part) => message(chunk(part, { title: 'T' }))),
      {
        ...dependencies,
        inviteOnce: inviteOnceWith(ledger),
        pacer,
        remainingMs: () => (revoked ? 4_000 : 60_000),
        callBudgetMs: 5_000,
      },
    );

    // Assess: part 1 is recorded delivered and left to be deleted; part 2 goes back unsent.
    assert.equal(sender.calls.length, 0);
    assert.deepEqual(keep, ['m2']);
    assert.deepEqual(
      visibility.delays.map((delay) => delay.receiptHandle),
      ['rh-m2'],
    );
    assert.equal(ledger.outcomes.get('req-1#1')?.outcome, 'delivered');
  });

  it('keeps the message when it cannot be re-queued either, at the cost of a repeated call', async () => {
    // Prepare
    const sender = new ScriptedSender();
    const { ledger, requeue, visibility, dependencies } = environment(sender);
    ledger.failWith = new Error('ledger down');
    requeue.failWith = new Error('SQS down');

    // Act
    const keep = await deliverChunks([message(chunk(1))], dependencies);

    // Assess
    assert.deepEqual(keep, ['m1']);
    assert.equal(visibility.delays.length, 1);
  });

  it('puts a delivered chunk back marked delivered when its record has not landed as time runs short, once', async () => {
    // Prepare: the ledger takes the outcome write and answers only when told to.
    const sender = new ScriptedSender();
    const { ledger, requeue, dependencies } = environment(sender);
    const answer = Promise.withResolvers<void>();
    const recordOutcome = ledger.recordOutcome.bind(ledger);
    ledger.recordOutcome = async (outcome) => {
      await answer.promise;
      return recordOutcome(outcome);
    };
    const endsAt = Date.now() + SETTLE_RESERVE_MS + 100;
    dependencies.remainingMs = () => endsAt - Date.now();
    dependencies.callBudgetMs = 50;

    // Act
    const keep = await deliverChunks([message(chunk(1))], dependencies);
    const returnedWithMs = endsAt - Date.now();
    answer.reject(new Error('the write failed after all'));
    await new Promise((resolve) => setImmediate(resolve));

    // Assess: handed on in time, marked delivered, so the copy only records it; not put back twice.
    assert.deepEqual(keep, []);
    assert.ok(returnedWithMs > SETTLE_RESERVE_MS / 2, `returned with ${returnedWithMs} ms left`);
    assert.equal(sender.calls.length, 1);
    assert.deepEqual(
      requeue.requeued.map(({ mark }) => mark),
      [{ at: 5_000, skippedIds: [] }],
    );
  });

  it('starts putting back sooner the more delivered chunks wait for their records', async () => {
    // Prepare: 200 chunks go out in one call; the ledger never answers for their records.
    const sender = new ScriptedSender();
    const { ledger, requeue, dependencies } = environment(sender);
    ledger.recordOutcome = () => new Promise<never>(() => {});
    const batch = Array.from({ length: 200 }, (_, index) =>
      message(chunk(index + 1, { parts: 200, title: 'T' })),
    );
    const endsAt = Date.now() + SETTLE_RESERVE_MS + 2_000;
    dependencies.remainingMs = () => endsAt - Date.now();
    dependencies.callBudgetMs = 50;
    let leftAtFirstPutBack: number | undefined;
    const requeueDelivered = requeue.requeueDelivered.bind(requeue);
    requeue.requeueDelivered = async (body, mark) => {
      leftAtFirstPutBack ??= endsAt - Date.now();
      return requeueDelivered(body, mark);
    };

    // Act
    const keep = await deliverChunks(batch, dependencies);

    // Assess: 13 rounds of 16 to put back keep 12 × PUT_BACK_ROUND_MS more than one round does.
    assert.equal(sender.calls.length, 1);
    assert.deepEqual(keep, []);
    assert.equal(requeue.requeued.length, 200);
    assert.equal(settleReserveMs(200), SETTLE_RESERVE_MS + 12 * PUT_BACK_ROUND_MS);
    assert.ok(
      (leftAtFirstPutBack ?? 0) > SETTLE_RESERVE_MS + 6 * PUT_BACK_ROUND_MS,
      `put back from ${leftAtFirstPutBack} ms before the limit`,
    );
  });

  it('gives records still landing a moment when time is shorter than the reserve for putting them back', async () => {
    // Prepare: 200 chunks in one call with 2 s left, less than the 2.7 s kept for putting 200
    // back; the ledger answers each record 100 ms after it is asked.
    const sender = new ScriptedSender();
    const { ledger, requeue, dependencies } = environment(sender);
    const recordOutcome = ledger.recordOutcome.bind(ledger);
    ledger.recordOutcome = async (...args) => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      return recordOutcome(...args);
    };
    const batch = Array.from({ length: 200 }, (_, index) =>
      message(chunk(index + 1, { parts: 200, title: 'T' })),
    );
    const endsAt = Date.now() + 2_000;
    dependencies.remainingMs = () => endsAt - Date.now();
    dependencies.callBudgetMs = 50;

    // Act
    const keep = await deliverChunks(batch, dependencies);

    // Assess: the first records land in that moment, and are not put back; none is left out.
    const recorded = ledger.outcomes.size;
    assert.deepEqual(keep, []);
    assert.ok(recorded >= 16, `${recorded} recorded`);
    assert.ok(requeue.requeued.length < 200, `${requeue.requeued.length} put back`);
    assert.ok(requeue.requeued.length + recorded >= 200);
  });

  it('waits for a re-queue under way when time runs short, instead of putting the chunk back twice', {
    timeout: 10_000,
  }, async (t) => {
    // Prepare: the ledger is down, so the chunk is being re-queued when the deadline comes. The
    // clock is the test's: it moves past the deadline only once the re-queue is under way.
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
    const sender = new ScriptedSender();
    const { ledger, dependencies } = environment(sender);
    ledger.failWith = new Error('ledger down');
    const sent = Promise.withResolvers<void>();
    const requeuing = Promise.withResolvers<void>();
    let requeues = 0;
    dependencies.requeue = {
      requeueDelivered: async () => {
        requeues++;
        requeuing.resolve();
        await sent.promise;
      },
    };
    const endsAt = Date.now() + SETTLE_RESERVE_MS + 100;
    dependencies.remainingMs = () => endsAt - Date.now();
    dependencies.callBudgetMs = 50;

    // Act
    const delivering = deliverChunks([message(chunk(1))], dependencies);
    await requeuing.promise;
    t.mock.timers.tick(SETTLE_RESERVE_MS + 200);
    sent.resolve();
    const keep = await delivering;

    // Assess: past the deadline, the chunk still under way was waited for, not put back again.
    assert.deepEqual(keep, []);
    assert.equal(requeues, 1);
  });

  it('sends nothing it could not look up when the ledger stops answering, and hands the rest back in time', async () => {
    // Prepare: every read and write of the ledger hangs; two calls' worth of chunks.
    const sender = new ScriptedSender();
    const { ledger, visibility, dependencies } = environment(sender);
    const delays = countCalls(visibility, 'delay');
    let lookups = 0;
    ledger.deliveredParts = hang;
    ledger.invitedSince = () => {
      lookups++;
      return hang();
    };
    ledger.remember = hang;
    ledger.recordOutcome = hang;
    const inviteOnce = inviteOnceWith(ledger);
    const batch = [message(chunk(1)), message(chunk(2, { title: 'Another title' }))];

    // Act
    const keep = await beforeTimeLimit(batch, { ...dependencies, inviteOnce, callBudgetMs: 50 });

    // Assess: one lookup waited for, no call, both back on the queue in one go.
    assert.deepEqual(keep, ['m1', 'm2']);
    assert.equal(lookups, 1);
    assert.equal(delays(), 1);
    assert.equal(sender.calls.length, 0);
    assert.deepEqual(
      visibility.delays.map(({ seconds }) => seconds),
      [OUT_OF_TIME_DELAY_SECONDS, OUT_OF_TIME_DELAY_SECONDS],
    );
  });

  it('puts back marked delivered what it delivered when writes stop answering, chunks needing no call included', async () => {
    // Prepare: reads answer, writes hang; the second chunk's accessors were invited recently.
    const sender = new ScriptedSender();
    const { ledger, requeue, dependencies } = environment(sender);
    await invitedBefore(ledger, ['user-2-a', 'user-2-b'], 'req-0');
    ledger.remember = hang;
    ledger.recordOutcome = hang;
    const inviteOnce = inviteOnceWith(ledger);
    const batch = [message(chunk(2, { title: 'Another title' })), message(chunk(1))];

    // Act
    const keep = await beforeTimeLimit(batch, { ...dependencies, inviteOnce, callBudgetMs: 50 });

    // Assess
    assert.deepEqual(keep, []);
    assert.deepEqual(
      sender.calls.map((call) => call.accessorIds),
      [['user-1-a', 'user-1-b']],
    );
    assert.deepEqual(
      requeue.requeued.map(({ body, mark }) => [JSON.parse(body).part, mark.skippedIds]).sort(),
      [
        [1, []],
        [2, ['user-2-a', 'user-2-b']],
      ],
    );
  });

  it('records a chunk its own request invited before as delivered, even when the call it joined is refused', async () => {
    // Prepare: req-1's part was delivered and its outcome lost; req-2's has the same content.
    const sender = new ScriptedSender(() => serviceError('AccessDeniedException'));
    const { ledger, deadLetters, dependencies } = environment(sender);
    await invitedBefore(ledger, ['user-1-a', 'user-1-b'], 'req-1');
    const inviteOnce = inviteOnceWith(ledger);
    const other = chunk(1, { requestId: 'req-2', accessorIds: ['new-a'] });

    // Act
    await deliverChunks([message(chunk(1)), { ...message(other), messageId: 'm-other' }], {
      ...dependencies,
      inviteOnce,
    });

    // Assess
    assert.deepEqual(
      sender.calls.map((call) => call.accessorIds),
      [['new-a']],
    );
    assert.deepEqual(
      [ledger.outcomes.get('req-1#1')?.outcome, ledger.outcomes.get('req-1#1')?.invitedCount],
      ['delivered', 2],
    );
    assert.equal(ledger.outcomes.get('req-2#1')?.outcome, 'failed');
    assert.equal(deadLetters.parked.length, 1);
  });

  for (const [left, write, settled] of [
    [LEDGER_WAIT_RESERVE_MS - 500, 20, 'parked'],
    [SETTLE_RESERVE_MS + 100, 200, 'handed back'],
  ] as const) {
    it(`waits up to 250 ms for the ledger past its reserve, not into the last 1.5 s: ${left} ms left, a ${write} ms write, ${settled}`, async () => {
      // Prepare: the service refuses the chunk; its outcome write takes `write` ms.
      const sender = new ScriptedSender(() => serviceError('ValidationException'));
      const { ledger, deadLetters, dependencies } = environment(sender);
      const recordOutcome = ledger.recordOutcome.bind(ledger);
      ledger.recordOutcome = async (...args) => {
        await new Promise((resolve) => setTimeout(resolve, write));
        return recordOutcome(...args);
      };

      // Act
      const keep = await deliverChunks([message(chunk(1))], {
        ...dependencies,
        remainingMs: () => left,
        callBudgetMs: 50,
      });

      // Assess
      assert.deepEqual(keep, settled === 'parked' ? [] : ['m1']);
      assert.equal(deadLetters.parked.length, settled === 'parked' ? 1 : 0);
    });
  }

  for (const [refusal, receiveCount, settled] of [
    ['a refusal', 1, 'handed back to be recorded later'],
    ['a last receive with no time left to call', 100, 'parked all the same'],
  ] as const) {
    it(`settles ${refusal} in time when the ledger no longer answers: ${settled}`, async () => {
      // Prepare: lookups and outcome writes hang; the service refuses the chunk, or there is no
      // time left to call for it on its last receive.
      const sender = new ScriptedSender(() => serviceError('ValidationException'));
      const { ledger, visibility, deadLetters, dependencies } = environment(sender);
      ledger.invitedSince = hang;
      ledger.recordOutcome = hang;
      const inviteOnce = inviteOnceWith(ledger);

      // Act
      const keep = await beforeTimeLimit([message(chunk(1), receiveCount)], {
        ...dependencies,
        inviteOnce,
        callBudgetMs: receiveCount === 1 ? 50 : 60_000,
      });

      // Assess
      assert.notEqual(keep, 'killed');
      if (receiveCount === 1) {
        assert.deepEqual(keep, ['m1']);
        assert.equal(visibility.delays.length, 1);
        assert.equal(deadLetters.parked.length, 0);
      } else {
        assert.deepEqual(keep, []);
        assert.equal(deadLetters.parked[0]?.reason.errorType, 'MaxReceiveCountExceeded');
      }
    });
  }

  it('keeps a chunk marked delivered for later when the ledger no longer answers its record', async () => {
    // Prepare
    const sender = new ScriptedSender();
    const { ledger, visibility, dependencies } = environment(sender);
    ledger.recordOutcome = hang;
    const marked = { ...message(chunk(1)), delivered: { at: 4_000, skippedIds: [] } };

    // Act
    const keep = await beforeTimeLimit([marked], dependencies);

    // Assess: no call, and the message stays to be recorded on a later receive.
    assert.deepEqual(keep, ['m1']);
    assert.equal(sender.calls.length, 0);
    assert.equal(visibility.delays.length, 1);
  });

  it('hands back every call it has no time left for at once, without looking anyone up', async () => {
    // Prepare: three calls' worth of chunks, and less time left than one call needs.
    const sender = new ScriptedSender();
    const { ledger, visibility, dependencies } = environment(sender);
    const lookups = countCalls(ledger, 'invitedSince');
    const delays = countCalls(visibility, 'delay');
    const inviteOnce = inviteOnceWith(ledger);
    const batch = ['T1', 'T2', 'T3'].map((title, index) => message(chunk(index + 1, { title })));

    // Act
    const keep = await deliverChunks(batch, {
      ...dependencies,
      inviteOnce,
      remainingMs: () => 5_000,
      callBudgetMs: 12_000,
    });

    // Assess
    assert.deepEqual(keep, ['m1', 'm2', 'm3']);
    assert.equal(sender.calls.length, 0);
    assert.equal(lookups(), 0);
    assert.equal(delays(), 1);
  });

  it('records a chunk that needs no call once, however often its call is paced again', async () => {
    // Prepare: part 2's accessors were invited by another request; the first start is revoked.
    const sender = new ScriptedSender();
    const { ledger, dependencies } = environment(sender);
    await invitedBefore(ledger, ['user-2-a', 'user-2-b'], 'req-0');
    const writes = countCalls(ledger, 'recordOutcome');
    let takes = 0;
    const pacer = {
      waitMs: async () => 0,
      take: async () => ++takes > 1,
      succeeded: async () => undefined,
      throttled: async () => undefined,
    };
    const skipped: number[] = [];
    const inviteOnce = inviteOnceWith(ledger);

    // Act
    await deliverChunks([message(chunk(1)), message(chunk(2, { title: 'T1' }))], {
      ...dependencies,
      inviteOnce,
      pacer,
      observer: { skipped: (_call, count) => skipped.push(count) },
    });

    // Assess
    assert.equal(takes, 2);
    assert.deepEqual(
      sender.calls.map((call) => call.accessorIds),
      [['user-1-a', 'user-1-b']],
    );
    assert.equal(writes(), 2, 'one outcome for each part');
    assert.deepEqual(skipped, [2]);
  });

  it('records a chunk that needs no call as delivered, and deletes it, when the call it was in is throttled', async () => {
    // Prepare
    const { ledger, dependencies } = throttledEnvironment();
    await invitedBefore(ledger, ['user-2-a', 'user-2-b'], 'req-0');
    const inviteOnce = inviteOnceWith(ledger);

    // Act
    const keep = await deliverChunks([message(chunk(1)), message(chunk(2, { title: 'T1' }))], {
      ...dependencies,
      inviteOnce,
    });

    // Assess
    assert.deepEqual(keep, ['m1']);
    assert.deepEqual(ledger.outcomes.get('req-1#2')?.skippedIds, ['user-2-a', 'user-2-b']);
    assert.equal(ledger.outcomes.get('req-1#1'), undefined);
  });

  it('waits for an unanswering ledger once: the calls after the first that went unanswered get no grace', async () => {
    // Prepare: lookups and writes hang; three chunks on their last receive, and 2.5 s left.
    const sender = new ScriptedSender();
    const { ledger, deadLetters, dependencies } = environment(sender);
    ledger.invitedSince = hang;
    ledger.recordOutcome = hang;
    const inviteOnce = inviteOnceWith(ledger);
    const batch = ['T1', 'T2', 'T3'].map((title, index) =>
      message(chunk(index + 1, { title }), 100),
    );
    const started = Date.now();

    // Act
    await deliverChunks(batch, {
      ...dependencies,
      inviteOnce,
      remainingMs: () => LEDGER_WAIT_RESERVE_MS - 500,
      callBudgetMs: 50,
    });

    // Assess: all three parked after one 250 ms wait, not after six.
    assert.equal(deadLetters.parked.length, 3);
    assert.ok(Date.now() - started < 1_000, `took ${Date.now() - started} ms`);
  });

  it('keeps a chunk that needs no call with its call when another message of its part is in the batch', async () => {
    // Prepare: two different messages of part 1; the first's accessors were all invited recently.
    const { ledger, dependencies } = throttledEnvironment();
    await invitedBefore(ledger, ['user-1-a', 'user-1-b'], 'req-0');
    const inviteOnce = inviteOnceWith(ledger);
    const other = {
      ...message(chunk(1, { accessorIds: ['user-1-a', 'user-1-c'] })),
      messageId: 'm1-other',
    };

    // Act
    const keep = await deliverChunks([message(chunk(1)), other], { ...dependencies, inviteOnce });

    // Assess: recorded delivered, the first would have the second dropped as delivered next time.
    assert.deepEqual(keep.sort(), ['m1', 'm1-other']);
    assert.equal(ledger.outcomes.get('req-1#1'), undefined);
  });

  it('fails when settling a delivered chunk went wrong, so the batch comes back whole', async () => {
    // Prepare: telling of the skipped accessors fails after the call.
    const sender = new ScriptedSender();
    const { ledger, dependencies } = environment(sender);
    await invitedBefore(ledger, ['user-1-a'], 'req-0');
    const inviteOnce = inviteOnceWith(ledger);
    const observer = {
      skipped: () => {
        throw new Error('settling');
      },
    };

    // Act
    const delivering = deliverChunks([message(chunk(1))], {
      ...dependencies,
      inviteOnce,
      observer,
    });

    // Assess
    await assert.rejects(delivering, /settling/);
    assert.equal(sender.calls.length, 1);
  });

  it('fails with what went wrong in the batch, not with what went wrong settling it', async () => {
    // Prepare: two calls; telling of the first call's skipped accessors fails, and so does
    // telling of the second call.
    const sender = new ScriptedSender();
    const { ledger, dependencies } = environment(sender);
    await invitedBefore(ledger, ['user-1-a'], 'req-0');
    const inviteOnce = inviteOnceWith(ledger);
    let calls = 0;
    const observer = {
      called: () => {
        if (++calls === 2) throw new Error('in the batch');
      },
      skipped: () => {
        throw new Error('settling');
      },
    };

    // Act
    const delivering = deliverChunks(
      [message(chunk(1)), message(chunk(2, { title: 'Another title' }))],
      { ...dependencies, inviteOnce, observer },
    );

    // Assess
    await assert.rejects(delivering, /in the batch/);
  });

  it('delivers as if nothing was delivered before when the ledger cannot be read', async () => {
    // Prepare
    const sender = new ScriptedSender();
    const { ledger, dependencies } = environment(sender);
    const reads = ledger.deliveredParts.bind(ledger);
    ledger.deliveredParts = () => Promise.reject(new Error('read timeout'));

    // Act
    const keep = await deliverChunks([message(chunk(1))], dependencies);

    // Assess
    assert.deepEqual(keep, []);
    assert.equal(sender.calls.length, 1);
    ledger.deliveredParts = reads;
    assert.equal(ledger.outcomes.get('req-1#1')?.outcome, 'delivered');
  });

  it('records and parks a chunk on its last receive with the reason, instead of leaving SQS to move it with none', async () => {
    // Prepare
    const sender = new ScriptedSender(() => serviceError('InternalServerException'));
    const { ledger, visibility, deadLetters, dependencies } = environment(sender);
    const first = message(chunk(1), 99);
    const last = message(chunk(2), 100);

    // Act
    const keep = await deliverChunks([first, last], dependencies);

    // Assess
    assert.equal(ledger.outcomes.has('req-1#1'), false);
    const outcome = ledger.outcomes.get('req-1#2');
    assert.equal(outcome?.errorType, 'MaxReceiveCountExceeded');
    assert.match(
      outcome?.errorMessage ?? '',
      /100 receives \(last: retry, InternalServerException: InternalServerException from the service\)/,
    );
    assert.deepEqual(keep, [first.messageId]);
    assert.deepEqual(
      visibility.delays.map((delay) => delay.receiptHandle),
      [first.receiptHandle],
    );
    assert.deepEqual(
      deadLetters.parked.map(({ body, reason }) => [body, reason.errorType, reason.errorMessage]),
      [[last.body, 'MaxReceiveCountExceeded', outcome?.errorMessage]],
    );
  });

  it('keeps a delivered chunk the ledger cannot record even on its last receive: parked, a redrive would send it again', async () => {
    // Prepare: a chunk re-queued marked delivered, received for the 100th time, the ledger still down.
    const sender = new ScriptedSender();
    const { ledger, deadLetters, visibility, dependencies } = environment(sender);
    ledger.failWith = new Error('ledger down');
    const marked = { ...message(chunk(1), 100), delivered: { at: 4_000, skippedIds: [] } };

    // Act
    const keep = await deliverChunks([marked], dependencies);

    // Assess
    assert.deepEqual(keep, ['m1']);
    assert.equal(deadLetters.parked.length, 0);
    assert.equal(visibility.delays.length, 1);
    assert.equal(sender.calls.length, 0);
  });

  it('parks a chunk on its last receive with the reason even when the ledger cannot record it', async () => {
    // Prepare
    const sender = new ScriptedSender(() => serviceError('InternalServerException'));
    const { ledger, deadLetters, ledgerErrors, dependencies } = environment(sender);
    ledger.recordOutcome = () => Promise.reject(new Error('ledger down'));

    // Act
    const keep = await deliverChunks([message(chunk(1), 100)], dependencies);

    // Assess
    assert.deepEqual(keep, []);
    assert.deepEqual(ledgerErrors, ['write']);
    assert.equal(deadLetters.parked[0]?.reason.errorType, 'MaxReceiveCountExceeded');
  });

  it('counts whoever was invited recently as skipped, not failed, when a last receive is recorded', async () => {
    // Prepare: the first call is throttled, so the second chunk is handed back without a call.
    const { sender, ledger, dependencies } = throttledEnvironment();
    await ledger.remember('SPACE1', ['user-1-a', 'user-2-b'], 4_000, 90_000_000);
    const inviteOnce = inviteOnceWith(ledger);
    const other = chunk(2, { title: 'Another title' });

    // Act
    await deliverChunks([message(chunk(1), 100), message(other, 100)], {
      ...dependencies,
      inviteOnce,
    });

    // Assess
    assert.deepEqual(
      sender.calls.map((call) => call.accessorIds),
      [['user-1-b']],
    );
    for (const [key, invited, failed] of [
      ['req-1#1', 'user-1-a', 'user-1-b'],
      ['req-1#2', 'user-2-b', 'user-2-a'],
    ] as const) {
      const outcome = ledger.outcomes.get(key);
      assert.equal(outcome?.errorType, 'MaxReceiveCountExceeded', key);
      assert.deepEqual(outcome?.skippedIds, [invited], key);
      assert.deepEqual(outcome?.failedIds, [failed], key);
    }
  });

  it('turns a failed part into a delivered one when its redriven chunk succeeds', async () => {
    // Prepare
    let refuse = true;
    const sender = new ScriptedSender(() =>
      refuse ? serviceError('ResourceNotFoundException') : undefined,
    );
    const { ledger, dependencies } = environment(sender);
    await deliverChunks([message(chunk(1))], dependencies);
    refuse = false;

    // Act
    await deliverChunks([message(chunk(1))], dependencies);

    // Assess
    assert.equal(ledger.outcomes.get('req-1#1')?.outcome, 'delivered');
  });
});
