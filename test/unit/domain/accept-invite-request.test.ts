import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type AcceptDependencies,
  acceptInviteRequest,
} from '../../../shared/domain/accept-invite-request.ts';
import {
  EnqueueError,
  IdempotencyKeyInUseError,
  IdempotencyKeyMismatchError,
  LedgerUnavailableError,
  SpaceNotAllowedError,
} from '../../../shared/domain/errors.ts';
import { decodeInviteChunk } from '../../../shared/domain/invite-chunk.ts';
import type { InviteRequest } from '../../../shared/domain/invite-request.ts';
import { RecordingQueue } from '../../helpers/fakes.ts';
import { MemoryLedger } from '../../helpers/ledger.ts';

const SPACE = 'SPACCEPT0000000000000000';
const HOUR = 3_600_000;

function request(count: number, title = 'Welcome'): InviteRequest {
  const accessorIds = Array.from({ length: count }, (_, index) => `person-${index}`);
  return { spaceId: SPACE, accessorIds, title, body: 'Join us', resend: false };
}

function setup(now = 1_000_000) {
  const queue = new RecordingQueue();
  const ledger = new MemoryLedger();
  const clock = { now };
  const errors: string[] = [];
  const dependencies: AcceptDependencies = {
    queue,
    ledger,
    retention: { requestMs: 30 * 24 * HOUR, idempotencyMs: 24 * HOUR, lockMs: 35_000 },
    maxMessageBytes: 1024 * 1024 - 8 * 1024,
    allowedSpaceIds: new Set([SPACE]),
    onLedgerError: (action) => errors.push(action),
    now: () => clock.now,
  };
  return { queue, ledger, clock, errors, dependencies };
}

const http = (requestId: string, key?: string) => ({
  requestId,
  ownRequestId: true,
  source: 'http' as const,
  requestedBy: 'arn:aws:iam::123456789012:user/ops',
  ...(key === undefined
    ? {}
    : { idempotency: { scope: 'arn:aws:iam::123456789012:user/ops', key } }),
});

/** The part numbers the queue received, in order. */
function queuedParts(queue: RecordingQueue): number[] {
  return queue.sent.map((message) => decodeInviteChunk(message.body).part);
}

/** A queue whose enqueue never ends; `reached` resolves once a request is in it, its key held. */
function hungQueue() {
  const reached = Promise.withResolvers<void>();
  const queue = {
    enqueue: () => {
      reached.resolve();
      return new Promise<never>(() => undefined);
    },
  };
  return { queue, reached: reached.promise };
}

describe('acceptInviteRequest with the ledger', () => {
  it('records the request before queueing its chunks, with who sent it and when it expires', async () => {
    // Prepare
    const { queue, ledger, dependencies } = setup();

    // Act
    const accepted = await acceptInviteRequest(request(2_500), http('req-1'), dependencies);

    // Assess
    assert.deepEqual(accepted, {
      requestId: 'req-1',
      accessorCount: 2_500,
      messageCount: 3,
      replayed: false,
    });
    assert.deepEqual(ledger.requests.get('req-1'), {
      requestId: 'req-1',
      spaceId: SPACE,
      source: 'http',
      requestedBy: 'arn:aws:iam::123456789012:user/ops',
      accessorCount: 2_500,
      partCount: 3,
      createdAt: 1_000_000,
      expiresAt: 1_000_000 + 30 * 24 * HOUR,
    });
    assert.deepEqual(queuedParts(queue), [1, 2, 3]);
  });

  it('answers a repeat with the same key and payload with the first answer, queueing nothing again', async () => {
    // Prepare
    const { queue, dependencies } = setup();
    const first = await acceptInviteRequest(request(1_500), http('req-1', 'key-1'), dependencies);

    // Act
    const repeat = await acceptInviteRequest(request(1_500), http('req-2', 'key-1'), dependencies);

    // Assess
    assert.deepEqual(repeat, { ...first, replayed: true });
    assert.equal(queue.sent.length, 2);
  });

  it('refuses the same key with another payload, and queues nothing', async () => {
    // Prepare
    const { queue, dependencies } = setup();
    await acceptInviteRequest(request(10), http('req-1', 'key-1'), dependencies);

    // Act & Assess
    await assert.rejects(
      acceptInviteRequest(request(10, 'Another title'), http('req-2', 'key-1'), dependencies),
      IdempotencyKeyMismatchError,
    );
    await assert.rejects(
      acceptInviteRequest(request(11), http('req-3', 'key-1'), dependencies),
      IdempotencyKeyMismatchError,
    );
    assert.equal(queue.sent.length, 1);
  });

  it('scopes keys to the caller: another principal may use the same key', async () => {
    // Prepare
    const { queue, dependencies } = setup();
    await acceptInviteRequest(request(10), http('req-1', 'key-1'), dependencies);
    const other = {
      ...http('req-2'),
      idempotency: { scope: 'arn:aws:iam::123456789012:user/other', key: 'key-1' },
    };

    // Act
    const accepted = await acceptInviteRequest(request(10), other, dependencies);

    // Assess
    assert.equal(accepted.replayed, false);
    assert.equal(accepted.requestId, 'req-2');
    assert.equal(queue.sent.length, 2);
  });

  it('makes a repeat wait (409) while the first request still holds the key, and resumes it once the lock expires', async () => {
    // Prepare
    const { queue, ledger, clock, dependencies } = setup();
    // The first request claims its key, then never gets past queueing (its Lambda died).
    const hung = hungQueue();
    void acceptInviteRequest(request(10), http('req-1', 'key-1'), {
      ...dependencies,
      queue: hung.queue,
    });
    await hung.reached;
    assert.equal([...ledger.keys.values()][0]?.record.state, 'inProgress');

    // Act
    // Settled before the clock moves: the lock is still held while it asks.
    const waiting = await acceptInviteRequest(
      request(10),
      http('req-2', 'key-1'),
      dependencies,
    ).then(
      () => undefined,
      (error: unknown) => error,
    );
    clock.now += 35_001;
    const resumed = await acceptInviteRequest(request(10), http('req-3', 'key-1'), dependencies);

    // Assess
    assert.ok(waiting instanceof IdempotencyKeyInUseError, String(waiting));
    assert.equal(waiting.retryAfterSeconds, 35);
    assert.deepEqual(resumed, {
      requestId: 'req-1',
      accessorCount: 10,
      messageCount: 1,
      replayed: false,
    });
    assert.deepEqual(queuedParts(queue), [1]);
  });

  it('makes a retry wait (409, 1 s) and queues nothing when another retry took over the expired key first', async () => {
    // Prepare: the first request died holding its key; its lock has run out.
    const { queue, ledger, clock, dependencies } = setup();
    const hung = hungQueue();
    void acceptInviteRequest(request(10), http('req-1', 'key-1'), {
      ...dependencies,
      queue: hung.queue,
    });
    await hung.reached;
    clock.now += 35_001;
    // Another retry takes the key over between this one's read and its own take-over.
    const takeOver = ledger.takeOver.bind(ledger);
    ledger.takeOver = async (key, expected, taken) => {
      assert.equal(await takeOver(key, expected, { ...taken, attempt: 'another' }), true);
      return takeOver(key, expected, taken);
    };

    // Act
    const lost = await acceptInviteRequest(request(10), http('req-2', 'key-1'), dependencies).then(
      () => undefined,
      (error: unknown) => error,
    );

    // Assess
    assert.ok(lost instanceof IdempotencyKeyInUseError, String(lost));
    assert.equal(lost.retryAfterSeconds, 1);
    assert.equal(queue.sent.length, 0);
  });

  it('leaves the key to the retry that took it over when a slow first attempt ends, and says so', async () => {
    // Prepare: the first attempt's queueing outlives its lock; a retry takes the key over.
    const { queue, ledger, clock, errors, dependencies } = setup();
    const reached = Promise.withResolvers<void>();
    const released = Promise.withResolvers<void>();
    const slow = {
      ...dependencies,
      queue: {
        enqueue: async (...args: Parameters<RecordingQueue['enqueue']>) => {
          reached.resolve();
          await released.promise;
          return queue.enqueue(...args);
        },
      },
    };
    const first = acceptInviteRequest(request(10), http('req-1', 'key-1'), slow);
    await reached.promise;
    clock.now += 35_001;
    const retried = await acceptInviteRequest(request(10), http('req-2', 'key-1'), dependencies);

    // Act
    released.resolve();
    await first;

    // Assess
    assert.equal(retried.requestId, 'req-1');
    assert.deepEqual(errors, ['settle'], 'the first attempt reports the key it lost');
    const [held] = [...ledger.keys.values()];
    assert.equal(held?.record.state, 'completed');
    assert.notEqual(held?.record.attempt, undefined);
    const replay = await acceptInviteRequest(request(10), http('req-3', 'key-1'), dependencies);
    assert.equal(replay.replayed, true);
  });

  it('queues only the missing parts when the first answer was a 503, and answers for the whole request', async () => {
    // Prepare
    const { queue, ledger, clock, dependencies } = setup();
    queue.refuse = new Set(['2']);
    await assert.rejects(
      acceptInviteRequest(request(3_000), http('req-1', 'key-1'), dependencies),
      EnqueueError,
    );
    assert.equal(ledger.outcomes.get('req-1#2')?.errorType, 'EnqueueFailed');
    const first = ledger.requests.get('req-1');
    queue.refuse = new Set();
    clock.now += 60_000;

    // Act
    const retried = await acceptInviteRequest(request(3_000), http('req-2', 'key-1'), dependencies);

    // Assess
    assert.deepEqual(retried, {
      requestId: 'req-1',
      accessorCount: 3_000,
      messageCount: 3,
      replayed: false,
    });
    assert.deepEqual(queuedParts(queue), [1, 3, 2]);
    assert.equal(ledger.outcomes.has('req-1#2'), false, 'the part is pending again, not failed');
    assert.equal(ledger.requests.get('req-1'), first, 'the first record is kept');
    const again = await acceptInviteRequest(request(3_000), http('req-3', 'key-1'), dependencies);
    assert.equal(again.replayed, true);
  });

  it('splits a resumed request as its first attempt did, though the chunk size changed between them', async () => {
    // Prepare: IDs long enough that bytes, not the count, decide the split.
    const { queue, dependencies } = setup();
    const ids = Array.from({ length: 12 }, (_, index) => `${'é'.repeat(40)}-${index}`);
    const wide = { ...request(0), accessorIds: ids };
    const first = { ...dependencies, maxMessageBytes: 700 };
    queue.refuse = new Set(['2']);
    await assert.rejects(acceptInviteRequest(wide, http('req-1', 'key-1'), first), EnqueueError);
    queue.refuse = new Set();

    // Act: the retry runs where QUEUE_MAX_MESSAGE_BYTES is smaller.
    await acceptInviteRequest(wide, http('req-2', 'key-1'), {
      ...dependencies,
      maxMessageBytes: 450,
    });

    // Assess: every accessor is queued exactly once.
    const queued = queue.sent.flatMap((message) => decodeInviteChunk(message.body).accessorIds);
    assert.deepEqual(queued.toSorted(), ids.toSorted());
  });

  it('records the parts SQS refused as failed with their accessors, so the status says why they wait', async () => {
    // Prepare
    const { queue, ledger, dependencies } = setup();
    queue.refuse = new Set(['1']);

    // Act
    await assert.rejects(
      acceptInviteRequest(request(1_200), http('req-1'), dependencies),
      EnqueueError,
    );

    // Assess
    const outcome = ledger.outcomes.get('req-1#1');
    assert.equal(outcome?.outcome, 'failed');
    assert.equal(outcome?.failedIds.length, 1_000);
    assert.match(outcome?.errorMessage ?? '', /could not be queued/);
  });

  it('remembers nothing of a refused request, so the corrected one may reuse its key', async () => {
    // Prepare
    const { queue, ledger, dependencies } = setup();
    const elsewhere = { ...request(5), spaceId: 'SPNOTALLOWED' };

    // Act
    await assert.rejects(
      acceptInviteRequest(elsewhere, http('req-1', 'key-1'), dependencies),
      SpaceNotAllowedError,
    );
    const corrected = await acceptInviteRequest(request(5), http('req-2', 'key-1'), dependencies);

    // Assess
    assert.equal(corrected.replayed, false);
    assert.equal(ledger.requests.size, 1);
    assert.equal(queue.sent.length, 1);
  });

  it('answers 503 and queues nothing when the ledger cannot record the request', async () => {
    // Prepare
    const { queue, ledger, dependencies } = setup();
    ledger.failWith = new Error('ECONNREFUSED');

    // Act & Assess
    await assert.rejects(
      acceptInviteRequest(request(5), http('req-1'), dependencies),
      LedgerUnavailableError,
    );
    await assert.rejects(
      acceptInviteRequest(request(5), http('req-2', 'key-1'), dependencies),
      LedgerUnavailableError,
    );
    assert.equal(queue.sent.length, 0);
  });

  it('queues anyway when the ledger is optional (HR events) and says the ledger failed', async () => {
    // Prepare
    const { queue, ledger, errors, dependencies } = setup();
    ledger.failWith = new Error('ECONNREFUSED');
    const event = { ...http('evt-1', 'evt-1'), source: 'event' as const, ledgerOptional: true };

    // Act
    const accepted = await acceptInviteRequest(request(5), event, dependencies);

    // Assess
    assert.equal(accepted.requestId, 'evt-1');
    assert.equal(queue.sent.length, 1);
    assert.deepEqual(errors, ['claim']);
  });

  /** An HR event's options, parking refused chunks in `parked` (or failing to, while `down`). */
  function hrEvent(parked: string[], dlq = { down: false }) {
    return {
      ...http('evt-1', 'evt-1'),
      source: 'event' as const,
      parkUnqueued: async (message: { id: string }) => {
        if (dlq.down) throw new Error('the DLQ is unreachable too');
        parked.push(message.id);
      },
    };
  }

  it('counts a partly queued HR event as done once the rest is parked: a redelivery queues nothing', async () => {
    // Prepare
    const { queue, dependencies } = setup();
    queue.refuse = new Set(['2']);
    const parked: string[] = [];
    const event = hrEvent(parked);
    await assert.rejects(acceptInviteRequest(request(1_500), event, dependencies), EnqueueError);
    assert.deepEqual(parked, ['2']);
    queue.refuse = new Set();

    // Act
    const redelivered = await acceptInviteRequest(request(1_500), event, dependencies);

    // Assess
    assert.equal(redelivered.replayed, true);
    assert.deepEqual(queuedParts(queue), [1]);
    assert.deepEqual(parked, ['2']);
  });

  it('leaves an HR event resumable when a refused chunk cannot be parked either, so the retry queues it', async () => {
    // Prepare
    const { queue, ledger, dependencies } = setup();
    queue.refuse = new Set(['2']);
    const parked: string[] = [];
    const dlq = { down: true };
    await assert.rejects(
      acceptInviteRequest(request(1_500), hrEvent(parked, dlq), dependencies),
      /the DLQ is unreachable too/,
    );
    queue.refuse = new Set();
    dlq.down = false;

    // Act: Lambda's retry of the same event.
    const retried = await acceptInviteRequest(request(1_500), hrEvent(parked, dlq), dependencies);

    // Assess
    assert.equal(retried.replayed, false);
    assert.deepEqual(queuedParts(queue), [1, 2]);
    assert.deepEqual(parked, []);
    assert.equal(ledger.outcomes.has('evt-1#2'), false, 'the part is pending again, not failed');
    const again = await acceptInviteRequest(request(1_500), hrEvent(parked, dlq), dependencies);
    assert.equal(again.replayed, true);
  });

  it('resumes an HR event that died while parking for the refused parts only, once its lock expires', async () => {
    // Prepare: the first invocation queues part 1, and dies while parking part 2.
    const { queue, clock, dependencies } = setup();
    queue.refuse = new Set(['2']);
    const { promise: parkStarted, resolve: parking } = Promise.withResolvers<void>();
    const dying = {
      ...hrEvent([]),
      parkUnqueued: () => {
        parking();
        return new Promise<void>(() => undefined);
      },
    };
    void acceptInviteRequest(request(1_500), dying, dependencies);
    await parkStarted;
    queue.refuse = new Set();
    clock.now += 35_001;

    // Act: Lambda's retry of the same event.
    const parked: string[] = [];
    const retried = await acceptInviteRequest(request(1_500), hrEvent(parked), dependencies);

    // Assess
    assert.equal(retried.replayed, false);
    assert.deepEqual(queuedParts(queue), [1, 2]);
  });

  it('resumes a request that died while recording its refused parts for those parts only', async () => {
    // Prepare: part 1 is queued, part 2 refused, and the invocation dies writing part 2's outcome.
    const { queue, ledger, clock, dependencies } = setup();
    queue.refuse = new Set(['2']);
    const record = ledger.recordOutcome.bind(ledger);
    const { promise: recordingStarted, resolve: recording } = Promise.withResolvers<void>();
    ledger.recordOutcome = () => {
      recording();
      return new Promise<void>(() => undefined);
    };
    void acceptInviteRequest(request(1_500), http('req-1', 'key-1'), dependencies);
    await recordingStarted;
    ledger.recordOutcome = record;
    queue.refuse = new Set();
    clock.now += 35_001;

    // Act: the client's retry once the lock has expired.
    const retried = await acceptInviteRequest(request(1_500), http('req-2', 'key-1'), dependencies);

    // Assess
    assert.equal(retried.requestId, 'req-1');
    assert.deepEqual(queuedParts(queue), [1, 2]);
  });

  it('resumes an HR event that died while parking its second refused part without queueing the parked one', async () => {
    // Prepare: parts 2 and 3 are refused; part 2 is parked, then the invocation dies parking 3.
    const { queue, clock, dependencies } = setup();
    queue.refuse = new Set(['2', '3']);
    const parked: string[] = [];
    const { promise: died, resolve: dying } = Promise.withResolvers<void>();
    const event = {
      ...hrEvent(parked),
      parkUnqueued: async (message: { id: string }) => {
        if (message.id === '3') {
          dying();
          return new Promise<void>(() => undefined);
        }
        parked.push(message.id);
      },
    };
    void acceptInviteRequest(request(2_500), event, dependencies);
    await died;
    queue.refuse = new Set();
    clock.now += 35_001;

    // Act: Lambda's retry of the same event.
    await acceptInviteRequest(request(2_500), hrEvent(parked), dependencies);

    // Assess
    assert.deepEqual(queuedParts(queue), [1, 3]);
    assert.deepEqual(parked, ['2']);
  });

  it('makes parts pending again when a request that queued nothing is retried and queued', async () => {
    // Prepare
    const { queue, ledger, dependencies } = setup();
    queue.refuse = new Set(['1', '2']);
    await assert.rejects(
      acceptInviteRequest(request(1_500), http('req-1', 'key-1'), dependencies),
      EnqueueError,
    );
    assert.equal(ledger.outcomes.get('req-1#1')?.errorType, 'EnqueueFailed');
    queue.refuse = new Set();

    // Act
    await acceptInviteRequest(request(1_500), http('req-2', 'key-1'), dependencies);

    // Assess
    assert.deepEqual(queuedParts(queue), [1, 2]);
    assert.equal(ledger.outcomes.has('req-1#1'), false);
    assert.equal(ledger.outcomes.has('req-1#2'), false);
  });
});
