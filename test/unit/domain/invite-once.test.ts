import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DeliveryDependencies, deliverChunks } from '../../../shared/domain/deliver-chunks.ts';
import { DeliveryRecorder } from '../../../shared/domain/delivery-recorder.ts';
import type { InviteChunk } from '../../../shared/domain/invite.ts';
import { historyShardOf, INVITE_HISTORY_SHARDS } from '../../../shared/domain/invite-history.ts';
import { receivedMessage, testChunk } from '../../helpers/chunks.ts';
import {
  RecordingDeadLetters,
  RecordingRequeue,
  RecordingVisibility,
  ScriptedSender,
  serviceError,
} from '../../helpers/fakes.ts';
import { MemoryLedger } from '../../helpers/ledger.ts';

const DAY = 86_400_000;
const NOW = 100 * DAY;

function chunk(
  part: number,
  accessorIds: string[],
  overrides: Partial<InviteChunk> = {},
): InviteChunk {
  return testChunk(part, { parts: 3, title: 'T', accessorIds, ...overrides });
}

const message = (body: InviteChunk) => receivedMessage(body);

function setup(sender: ScriptedSender, windowDays = 7) {
  const ledger = new MemoryLedger();
  const lookups: string[] = [];
  const dependencies: DeliveryDependencies = {
    sender,
    visibility: new RecordingVisibility(),
    deadLetters: new RecordingDeadLetters(),
    requeue: new RecordingRequeue(),
    recorder: new DeliveryRecorder({ ledger, retentionMs: 30 * DAY, now: () => NOW }),
    inviteOnce: {
      history: ledger,
      windowMs: windowDays * DAY,
      now: () => NOW,
      onError: (action) => lookups.push(`error:${action}`),
    },
    remainingMs: () => 60_000,
    callBudgetMs: 12_000,
    now: () => NOW,
  };
  return { ledger, lookups, dependencies };
}

describe('inviting each person once', () => {
  it('leaves out accessors invited to the space within the window and counts them as skipped', async () => {
    // Prepare
    const sender = new ScriptedSender();
    const { ledger, dependencies } = setup(sender);
    await ledger.remember('SPACE1', ['alice'], NOW - 6 * DAY, NOW + DAY);
    await ledger.remember('SPACE1', ['bob'], NOW - 8 * DAY, NOW + DAY);
    await ledger.remember('OTHER', ['carol'], NOW - DAY, NOW + DAY);

    // Act
    await deliverChunks([message(chunk(1, ['alice', 'bob', 'carol']))], dependencies);

    // Assess
    assert.deepEqual(sender.calls[0]?.accessorIds, ['bob', 'carol']);
    assert.deepEqual(ledger.outcomes.get('req-1#1'), {
      requestId: 'req-1',
      part: 1,
      outcome: 'delivered',
      invitedCount: 2,
      skippedIds: ['alice'],
      failedIds: [],
      at: NOW,
    });
    assert.equal(ledger.invited.get('SPACE1#bob')?.at, NOW, 'the record is refreshed');
    assert.equal(ledger.invited.get('SPACE1#carol')?.expiresAt, NOW + 7 * DAY);
  });

  it('counts whom the chunk’s own request invited before as invited, not skipped, and sends them nothing', async () => {
    // Prepare: the chunk was delivered, but its outcome was lost; carol came from another request.
    const sender = new ScriptedSender();
    const { ledger, dependencies } = setup(sender);
    const byRequest = new Map([
      ['alice', 'req-1'],
      ['bob', 'req-1'],
      ['carol', 'req-0'],
    ]);
    await ledger.remember('SPACE1', ['alice', 'bob', 'carol'], NOW - DAY, NOW + DAY, (id) =>
      byRequest.get(id),
    );

    // Act
    await deliverChunks([message(chunk(1, ['alice', 'bob', 'carol', 'dave']))], dependencies);

    // Assess
    assert.deepEqual(
      sender.calls.map((call) => call.accessorIds),
      [['dave']],
    );
    const outcome = ledger.outcomes.get('req-1#1');
    assert.equal(outcome?.invitedCount, 3);
    assert.deepEqual(outcome?.skippedIds, ['carol']);
  });

  it('counts skipped accessors once, when their chunk is settled, however often it was received', async () => {
    // Prepare: the first call is throttled, so the chunk comes back and is looked up again.
    const sender = new ScriptedSender((_input, call) =>
      call === 1 ? serviceError('ThrottlingException', { retryAfterSeconds: 1 }) : undefined,
    );
    const { ledger, dependencies } = setup(sender);
    await ledger.remember('SPACE1', ['alice', 'dave'], NOW - DAY, NOW + DAY);
    const told: number[] = [];
    dependencies.observer = { skipped: (_call, count) => told.push(count) };
    const body = chunk(1, ['alice', 'bob', 'dave']);

    // Act
    await deliverChunks([receivedMessage(body, 1)], dependencies);
    const afterThrottle = [...told];
    await deliverChunks([receivedMessage(body, 2)], dependencies);

    // Assess
    assert.deepEqual(afterThrottle, [], 'a handed-back chunk is not settled yet');
    assert.deepEqual(told, [2]);
    assert.deepEqual(ledger.outcomes.get('req-1#1')?.skippedIds, ['alice', 'dave']);
  });

  it('counts the skipped of a chunk parked on its last receive, and none of a chunk the DLQ refused', async () => {
    // Prepare: alice and dave were invited recently; every call is throttled or refused.
    const throttled = setup(
      new ScriptedSender(() => serviceError('ThrottlingException', { retryAfterSeconds: 1 })),
    );
    const refused = setup(new ScriptedSender(() => serviceError('AccessDeniedException')));
    const told = { throttled: [] as number[], refused: [] as number[] };
    for (const [name, { ledger, dependencies }] of [
      ['throttled', throttled],
      ['refused', refused],
    ] as const) {
      await ledger.remember('SPACE1', ['alice', 'dave'], NOW - DAY, NOW + DAY);
      dependencies.maxReceiveCount = 3;
      dependencies.observer = { skipped: (_call, count) => told[name].push(count) };
    }
    (refused.dependencies.deadLetters as RecordingDeadLetters).failWith = new Error('DLQ down');
    const body = chunk(1, ['alice', 'bob', 'dave']);

    // Act
    await deliverChunks([receivedMessage(body, 3)], throttled.dependencies);
    const kept = await deliverChunks([receivedMessage(body, 1)], refused.dependencies);

    // Assess: parked on its last receive, the chunk is settled with its two skipped.
    assert.deepEqual(told.throttled, [2]);
    assert.deepEqual(throttled.ledger.outcomes.get('req-1#1')?.skippedIds, ['alice', 'dave']);
    // Refused, but the DLQ would not take it: it stays on the queue, settled by a later receive.
    assert.deepEqual(kept, ['m1']);
    assert.deepEqual(told.refused, []);
  });

  it('remembers which request invited each accessor, when one call merges two requests', async () => {
    const sender = new ScriptedSender();
    const { ledger, dependencies } = setup(sender);

    await deliverChunks(
      [
        message(chunk(1, ['alice'], { requestId: 'req-a' })),
        message(chunk(2, ['bob', 'alice'], { requestId: 'req-b' })),
      ],
      dependencies,
    );

    assert.equal(sender.calls.length, 1, 'the two requests share one call');
    assert.equal(ledger.invited.get('SPACE1#alice')?.requestId, 'req-a');
    assert.equal(ledger.invited.get('SPACE1#bob')?.requestId, 'req-b');
  });

  it('makes no call when everyone was invited recently, and still settles the chunk', async () => {
    // Prepare
    const sender = new ScriptedSender();
    const { ledger, dependencies } = setup(sender);
    await ledger.remember('SPACE1', ['alice', 'bob'], NOW - DAY, NOW + DAY);

    // Act
    const keep = await deliverChunks([message(chunk(1, ['alice', 'bob']))], dependencies);

    // Assess
    assert.deepEqual(keep, []);
    assert.equal(sender.calls.length, 0);
    assert.deepEqual(ledger.outcomes.get('req-1#1')?.skippedIds, ['alice', 'bob']);
  });

  it('sends to everyone of a resend request and refreshes their records', async () => {
    // Prepare
    const sender = new ScriptedSender();
    const { ledger, dependencies } = setup(sender);
    await ledger.remember('SPACE1', ['alice'], NOW - DAY, NOW + DAY);

    // Act
    await deliverChunks([message(chunk(1, ['alice', 'bob'], { resend: true }))], dependencies);

    // Assess
    assert.deepEqual(sender.calls[0]?.accessorIds, ['alice', 'bob']);
    assert.equal(ledger.invited.get('SPACE1#alice')?.at, NOW);
    assert.deepEqual(ledger.outcomes.get('req-1#1')?.skippedIds, []);
  });

  it('never merges a resend chunk with one that may skip', async () => {
    // Prepare
    const sender = new ScriptedSender();
    const { dependencies } = setup(sender);

    // Act
    await deliverChunks(
      [message(chunk(1, ['a'])), message(chunk(2, ['b'], { resend: true }))],
      dependencies,
    );

    // Assess
    assert.equal(sender.calls.length, 2);
  });

  it('writes records only after a successful call: a parked chunk leaves none', async () => {
    // Prepare
    const sender = new ScriptedSender(() => serviceError('AccessDeniedException'));
    const { ledger, dependencies } = setup(sender);

    // Act
    await deliverChunks([message(chunk(1, ['alice']))], dependencies);

    // Assess
    assert.equal(ledger.invited.size, 0);
    assert.equal(ledger.outcomes.get('req-1#1')?.outcome, 'failed');
  });

  it('sends to everyone when the history cannot be read, and counts nobody as skipped', async () => {
    // Prepare
    const sender = new ScriptedSender();
    const { ledger, lookups, dependencies } = setup(sender);
    await ledger.remember('SPACE1', ['alice'], NOW - DAY, NOW + DAY);
    ledger.invitedSince = () => Promise.reject(new Error('table unreachable'));

    // Act
    await deliverChunks([message(chunk(1, ['alice', 'bob']))], dependencies);

    // Assess
    assert.deepEqual(sender.calls[0]?.accessorIds, ['alice', 'bob']);
    assert.deepEqual(ledger.outcomes.get('req-1#1')?.skippedIds, []);
    assert.deepEqual(lookups, ['error:lookup']);
  });

  it('looks nothing up and skips nobody with REINVITE_AFTER_DAYS at 0', async () => {
    // Prepare
    const sender = new ScriptedSender();
    const { ledger, dependencies } = setup(sender, 0);
    await ledger.remember('SPACE1', ['alice'], NOW, NOW + DAY);
    let lookups = 0;
    const read = ledger.invitedSince.bind(ledger);
    ledger.invitedSince = (...args) => {
      lookups++;
      return read(...args);
    };

    // Act
    await deliverChunks([message(chunk(1, ['alice']))], dependencies);

    // Assess
    assert.deepEqual(sender.calls[0]?.accessorIds, ['alice']);
    assert.equal(lookups, 0);
  });
});

describe('writing down what was delivered', () => {
  it('goes on with the next call while the last one is written down, and finishes before returning', {
    timeout: 5_000,
  }, async () => {
    // Prepare: two calls (two spaces); remembering the first waits for the second to go out.
    const sender = new ScriptedSender();
    const { ledger, dependencies } = setup(sender);
    const { promise: secondCall, resolve: secondSent } = Promise.withResolvers<void>();
    const send = sender.sendInvites.bind(sender);
    sender.sendInvites = async (input) => {
      if (input.spaceId === 'SPACE2') secondSent();
      return send(input);
    };
    const remember = ledger.remember.bind(ledger);
    ledger.remember = async (spaceId, ...rest) => {
      if (spaceId === 'SPACE1') await secondCall;
      return remember(spaceId, ...rest);
    };

    // Act
    const keep = await deliverChunks(
      [message(chunk(1, ['alice'])), message(chunk(2, ['bob'], { spaceId: 'SPACE2' }))],
      dependencies,
    );

    // Assess: had the writes held the next call, the first would wait forever.
    assert.deepEqual(keep, []);
    assert.deepEqual(
      sender.calls.map((call) => call.spaceId),
      ['SPACE1', 'SPACE2'],
    );
    assert.equal((await ledger.invitedSince('SPACE1', ['alice'], NOW - DAY, NOW)).size, 1);
    assert.equal(ledger.outcomes.get('req-1#1')?.outcome, 'delivered');
    assert.equal(ledger.outcomes.get('req-1#2')?.outcome, 'delivered');
  });

  it('still writes down a delivered call when a later step of the invocation fails', {
    timeout: 5_000,
  }, async () => {
    // Prepare: the first call's record waits for a gate; the second call's observer throws.
    const sender = new ScriptedSender();
    const { ledger, dependencies } = setup(sender);
    const { promise: gate, resolve: openGate } = Promise.withResolvers<void>();
    const recordOutcome = ledger.recordOutcome.bind(ledger);
    ledger.recordOutcome = async (...args) => {
      await gate;
      return recordOutcome(...args);
    };
    let calls = 0;
    const { promise: failure, resolve: failed } = Promise.withResolvers<void>();
    dependencies.observer = {
      called: () => {
        if (++calls < 2) return;
        failed();
        throw new Error('metrics failed');
      },
    };

    // Act
    let ended = false;
    const delivering = deliverChunks(
      [message(chunk(1, ['alice'])), message(chunk(2, ['bob'], { title: 'Other' }))],
      dependencies,
    ).finally(() => {
      ended = true;
    });
    delivering.catch(() => undefined);
    await failure;
    await new Promise((resolve) => setImmediate(resolve));
    const endedBeforeRecord = ended;
    openGate();

    // Assess: the invocation fails only once the first call is recorded, so the batch that
    // comes back finds it delivered.
    await assert.rejects(delivering, /metrics failed/);
    assert.equal(endedBeforeRecord, false);
    assert.equal(ledger.outcomes.get('req-1#1')?.outcome, 'delivered');
  });

  it('skips a person the call before invited though that record is not written yet', {
    timeout: 5_000,
  }, async () => {
    // Prepare: two calls to one space (two titles) share alice; the first call's record is
    // written only once the second call has looked her up.
    const sender = new ScriptedSender();
    const { ledger, dependencies } = setup(sender);
    let lookups = 0;
    const { promise: secondLookup, resolve: secondLookedUp } = Promise.withResolvers<void>();
    const invitedSince = ledger.invitedSince.bind(ledger);
    ledger.invitedSince = async (...args) => {
      const found = await invitedSince(...args);
      if (++lookups === 2) secondLookedUp();
      return found;
    };
    const remember = ledger.remember.bind(ledger);
    ledger.remember = async (...args) => {
      await secondLookup;
      return remember(...args);
    };

    // Act
    await deliverChunks(
      [
        message(chunk(1, ['alice', 'bob'])),
        message(chunk(2, ['alice', 'carol'], { title: 'Other' })),
      ],
      dependencies,
    );

    // Assess
    assert.deepEqual(
      sender.calls.map((call) => call.accessorIds),
      [['alice', 'bob'], ['carol']],
    );
    assert.deepEqual(ledger.outcomes.get('req-1#2')?.skippedIds, ['alice']);
  });
});

describe('historyShardOf', () => {
  it('spreads accessors over every shard, the same one each time', () => {
    const ids = Array.from({ length: 10_000 }, (_, index) => `user-${index}@example.com`);
    const counts = new Array<number>(INVITE_HISTORY_SHARDS).fill(0);
    for (const id of ids) counts[historyShardOf(id)] = (counts[historyShardOf(id)] ?? 0) + 1;

    assert.equal(historyShardOf('alice'), historyShardOf('alice'));
    assert.ok(
      counts.every((count) => count > 500 && count < 750),
      counts.join(','),
    );
  });
});
