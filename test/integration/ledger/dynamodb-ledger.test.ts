import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { DynamoDbLedgerReader } from '../../../shared/adapters/ledger/dynamodb-ledger-reader.ts';
import { DynamoDbOutcomes } from '../../../shared/adapters/ledger/dynamodb-outcomes.ts';
import { DynamoDbRequestLedger } from '../../../shared/adapters/ledger/dynamodb-request-ledger.ts';
import {
  key,
  LEDGER_KEYS,
  MAX_REASON_LENGTH,
} from '../../../shared/adapters/ledger/ledger-items.ts';
import { InviteValidationError } from '../../../shared/domain/errors.ts';
import {
  IDEMPOTENCY_STATES,
  type IdempotencyRecord,
} from '../../../shared/domain/idempotency-record.ts';
import type {
  AccessorResult,
  AccessorResultKind,
  PartOutcome,
  RequestRecord,
} from '../../../shared/domain/request-record.ts';
import { summarizeRequest } from '../../../shared/domain/request-status.ts';
import {
  type DynamoDbCall,
  dynamoDbError,
  type FaultyDynamoDb,
  faultyDynamoDb,
} from '../../helpers/dynamodb-faults.ts';
import { type DynamoDbContext, startDynamoDb } from '../../helpers/ledger.ts';
import { TEST_CREDENTIALS, TEST_REGION } from '../../helpers/sqs.ts';

type Item = Record<string, AttributeValue>;

const NOW = Date.parse('2026-03-14T09:26:53.000Z');
const DAY_MS = 86_400_000;

let sequence = 0;
/** A request ID no other test in this file uses, so tests share one table safely. */
function newRequestId(label: string): string {
  sequence++;
  return `${label}-${sequence}`;
}

function requestRecord(requestId: string, overrides: Partial<RequestRecord> = {}): RequestRecord {
  return {
    requestId,
    spaceId: 'SPLEDGER0000000000000001',
    source: 'http',
    requestedBy: 'arn:aws:iam::123456789012:user/ledger-test',
    accessorCount: 10,
    partCount: 1,
    createdAt: NOW,
    expiresAt: NOW + 30 * DAY_MS,
    ...overrides,
  };
}

let attempts = 0;

/** A key's record; each one made is another attempt unless `overrides` names its attempt. */
function idempotencyRecord(overrides: Partial<IdempotencyRecord> = {}): IdempotencyRecord {
  return {
    fingerprint: 'fingerprint-1',
    requestId: 'request-1',
    attempt: `attempt-${++attempts}`,
    maxMessageBytes: 262_144,
    state: IDEMPOTENCY_STATES.inProgress,
    lockedUntil: NOW + 35_000,
    accessorCount: 3,
    messageCount: 0,
    queuedParts: [],
    ...overrides,
  };
}

function delivered(
  requestId: string,
  part: number,
  invitedCount: number,
  skippedIds: readonly string[] = [],
  at = NOW,
): PartOutcome {
  return {
    requestId,
    part,
    outcome: 'delivered',
    invitedCount,
    skippedIds,
    failedIds: [],
    at,
  };
}

function failed(
  requestId: string,
  part: number,
  failedIds: readonly string[],
  reason: { errorType: string; errorMessage: string },
  at = NOW,
): PartOutcome {
  return {
    requestId,
    part,
    outcome: 'failed',
    invitedCount: 0,
    skippedIds: [],
    failedIds,
    ...reason,
    at,
  };
}

const DENIED = { errorType: 'AccessDeniedException', errorMessage: 'Not allowed' };
const INVALID = { errorType: 'ValidationException', errorMessage: 'accessorIds: bad member' };
const EXPIRES = NOW + 30 * DAY_MS;

function ids(label: string, count: number, width = 0): string[] {
  return Array.from({ length: count }, (_, index) => `${label}-${index}`.padEnd(width, 'x'));
}

describe('the request ledger in DynamoDB (dynalite)', () => {
  let db: DynamoDbContext;
  let ledger: DynamoDbRequestLedger;
  let outcomes: DynamoDbOutcomes;
  let reader: DynamoDbLedgerReader;

  before(async () => {
    db = await startDynamoDb();
    const options = { client: db.client, tableName: db.tableName };
    ledger = new DynamoDbRequestLedger(options);
    outcomes = new DynamoDbOutcomes(options);
    reader = new DynamoDbLedgerReader(options);
  });
  after(() => db.stop());

  /** A client of the same dynalite of its own, for a test to add a middleware to. */
  function ownClient(): DynamoDBClient {
    return new DynamoDBClient({
      endpoint: db.endpoint,
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
    });
  }

  async function getItem(keys: { pk: string; sk: string }): Promise<Item | undefined> {
    const { Item } = await db.client.send(
      new GetItemCommand({ TableName: db.tableName, Key: key(keys), ConsistentRead: true }),
    );
    return Item;
  }

  /** Every item under a partition key whose sort key starts with `prefix`, read raw. */
  async function itemsUnder(pk: string, prefix: string): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const { Items = [], LastEvaluatedKey } = await db.client.send(
        new QueryCommand({
          TableName: db.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': { S: pk }, ':prefix': { S: prefix } },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      items.push(...Items);
      start = LastEvaluatedKey;
    } while (start !== undefined);
    return items;
  }

  const listItems = (requestId: string) => itemsUnder(LEDGER_KEYS.request(requestId).pk, 'LIST#');

  /** Every accessor the reader lists, following `nextToken` to the end. */
  async function allAccessors(
    requestId: string,
    kind: AccessorResultKind,
    limit: number,
  ): Promise<{ items: AccessorResult[]; pages: number }> {
    const items: AccessorResult[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await reader.accessors(requestId, kind, {
        limit,
        ...(nextToken ? { nextToken } : {}),
      });
      pages++;
      // A token that does not move on would page forever.
      assert.ok(pages <= 5_000, 'the pages never end');
      assert.ok(page.items.length <= limit, `a page of ${page.items.length} over ${limit}`);
      if (page.nextToken !== undefined) assert.equal(page.items.length, limit);
      items.push(...page.items);
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    return { items, pages };
  }

  const accessorIds = async (requestId: string, kind: AccessorResultKind, limit = 1000) =>
    (await allAccessors(requestId, kind, limit)).items.map((item) => item.accessorId);

  async function status(requestId: string) {
    const record = await reader.request(requestId, NOW);
    assert.ok(record, `request ${requestId} is recorded`);
    return summarizeRequest(record, await reader.parts(requestId));
  }

  describe('idempotency keys', () => {
    it('claims a fresh key, and a second claim resolves to the record that holds it', async () => {
      const hash = newRequestId('key-fresh');
      const first = idempotencyRecord({ requestId: 'first', queuedParts: [] });
      const second = idempotencyRecord({ requestId: 'second', fingerprint: 'other' });

      const claimed = await ledger.claim(hash, first, NOW + DAY_MS, NOW);
      const again = await ledger.claim(hash, second, NOW + DAY_MS, NOW + 1);

      assert.equal(claimed, undefined);
      assert.deepEqual(again, first);
    });

    it('lets a key past its expiry be claimed again while its item is still in the table', async () => {
      const hash = newRequestId('key-expired');
      await ledger.claim(hash, idempotencyRecord({ requestId: 'old' }), NOW + 1_000, NOW);
      const fresh = idempotencyRecord({ requestId: 'new', fingerprint: 'new' });

      const atExpiry = await ledger.claim(hash, fresh, NOW + DAY_MS, NOW + 1_000);
      const afterExpiry = await ledger.claim(hash, fresh, NOW + DAY_MS, NOW + 1_001);
      const holder = await ledger.claim(hash, idempotencyRecord(), NOW + DAY_MS, NOW + 1_002);

      assert.equal(atExpiry?.requestId, 'old', 'a key is live up to its expiry');
      assert.equal(afterExpiry, undefined, 'claimed once expired');
      assert.deepEqual(holder, fresh);
    });

    it('claims a key whose holder is deleted between the refused put and the read', async () => {
      const hash = newRequestId('key-vanishing');
      await ledger.claim(hash, idempotencyRecord({ requestId: 'old' }), NOW + DAY_MS, NOW);
      const keys = LEDGER_KEYS.idempotency(hash);
      let deleted = false;
      // The SDK's own middleware stack, on a client of the same endpoint: before the first
      // read, the holder's item goes, as TTL or a settle-and-delete would take it.
      const racing = ownClient();
      racing.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === 'GetItemCommand' && !deleted) {
            deleted = true;
            await db.client.send(
              new DeleteItemCommand({ TableName: db.tableName, Key: key(keys) }),
            );
          }
          return next(args);
        },
        { step: 'initialize' },
      );
      const fresh = idempotencyRecord({ requestId: 'new', fingerprint: 'new' });

      const claimed = await new DynamoDbRequestLedger({
        client: racing,
        tableName: db.tableName,
      }).claim(hash, fresh, NOW + DAY_MS, NOW);

      assert.equal(deleted, true);
      assert.equal(claimed, undefined, 'the key was free, so this claim holds it');
      assert.equal((await getItem(keys))?.requestId?.S, 'new');
      racing.destroy();
    });

    /** A take-over by `attempt`, locked for a minute, keeping the key for a day from `at`. */
    const takeOverBy = (attempt: string, at = NOW) => ({
      attempt,
      lockedUntil: at + 60_000,
      expiresAt: at + DAY_MS,
    });

    it('takes a key over only from the exact state read, and only once', async () => {
      const hash = newRequestId('key-takeover');
      const held = idempotencyRecord({
        state: IDEMPOTENCY_STATES.partial,
        lockedUntil: 0,
        queuedParts: [1],
      });
      await ledger.claim(hash, held, NOW + DAY_MS, NOW);
      await ledger.settle(hash, held);

      const changed = (overrides: Partial<IdempotencyRecord>) =>
        ledger.takeOver(hash, { ...held, ...overrides }, takeOverBy('attempt-x'));
      const otherLock = await changed({ lockedUntil: 1 });
      const otherState = await changed({ state: IDEMPOTENCY_STATES.completed });
      const otherParts = await changed({ queuedParts: [1, 2] });
      const otherAttempt = await changed({ attempt: 'attempt-0' });
      const taken = await ledger.takeOver(hash, held, takeOverBy('attempt-2'));
      const takenAgain = await ledger.takeOver(hash, held, takeOverBy('attempt-3'));
      const unknown = await ledger.takeOver(
        newRequestId('key-none'),
        held,
        takeOverBy('attempt-4'),
      );

      assert.deepEqual(
        { otherLock, otherState, otherParts, otherAttempt, taken, takenAgain, unknown },
        {
          otherLock: false,
          otherState: false,
          otherParts: false,
          otherAttempt: false,
          taken: true,
          takenAgain: false,
          unknown: false,
        },
      );
      const now = await ledger.claim(hash, idempotencyRecord(), NOW + DAY_MS, NOW);
      assert.deepEqual(now, {
        ...held,
        attempt: 'attempt-2',
        state: IDEMPOTENCY_STATES.inProgress,
        lockedUntil: NOW + 60_000,
      });
      assert.equal(
        await getItem(LEDGER_KEYS.idempotency(newRequestId('key-none'))),
        undefined,
        'a failed take-over creates no item',
      );
    });

    it('lets one of two take-overs of the same read through, even in the same millisecond', async () => {
      const hash = newRequestId('key-takeover-race');
      const held = idempotencyRecord({ state: IDEMPOTENCY_STATES.partial, lockedUntil: 0 });
      await ledger.claim(hash, held, NOW + DAY_MS, NOW);

      const answers = await Promise.all(
        ['attempt-b', 'attempt-c'].map((attempt) =>
          ledger.takeOver(hash, held, takeOverBy(attempt)),
        ),
      );

      assert.deepEqual(answers.toSorted(), [false, true]);
    });

    it('refuses a take-over read before another attempt took the key and settled it again', async () => {
      const hash = newRequestId('key-takeover-stale');
      const read = idempotencyRecord({
        state: IDEMPOTENCY_STATES.partial,
        lockedUntil: 0,
        queuedParts: [1],
      });
      await ledger.claim(hash, read, NOW + DAY_MS, NOW);
      // B and C both read `read`; B takes the key over, queues part 2 and leaves it partial again.
      assert.equal(await ledger.takeOver(hash, read, takeOverBy('attempt-b')), true);
      const settledByB = { ...read, attempt: 'attempt-b', queuedParts: [1, 2] };
      assert.equal(await ledger.settle(hash, settledByB), true);

      const byC = await ledger.takeOver(hash, read, takeOverBy('attempt-c'));

      assert.equal(byC, false, 'C would queue part 2 again');
      assert.deepEqual(
        await ledger.claim(hash, idempotencyRecord(), NOW + DAY_MS, NOW),
        settledByB,
      );
    });

    it('keeps a taken-over key past its first expiry, for as long as the take-over asks', async () => {
      const hash = newRequestId('key-takeover-expiry');
      const held = idempotencyRecord({ state: IDEMPOTENCY_STATES.partial, lockedUntil: 0 });
      await ledger.claim(hash, held, NOW + 60_000, NOW);
      const later = NOW + 50_000;
      await ledger.takeOver(hash, held, takeOverBy('attempt-b', later));

      const past = idempotencyRecord({ requestId: 'new', attempt: 'attempt-c' });
      const afterFirstExpiry = await ledger.claim(hash, past, NOW + DAY_MS, NOW + 61_000);

      assert.equal(afterFirstExpiry?.attempt, 'attempt-b', 'the key is still held');
      assert.equal(afterFirstExpiry?.state, IDEMPOTENCY_STATES.inProgress);
      assert.equal(
        (await getItem(LEDGER_KEYS.idempotency(hash)))?.ttl?.N,
        String(Math.ceil((later + DAY_MS) / 1000)),
      );
    });

    it('settles only while the attempt holds the key, never over the one that took it', async () => {
      const hash = newRequestId('key-settle-lost');
      const first = idempotencyRecord({ state: IDEMPOTENCY_STATES.partial, lockedUntil: 0 });
      await ledger.claim(hash, first, NOW + DAY_MS, NOW);
      await ledger.takeOver(hash, first, takeOverBy('attempt-b'));

      const late = await ledger.settle(hash, {
        ...first,
        state: IDEMPOTENCY_STATES.completed,
        queuedParts: [1, 2],
      });

      assert.equal(late, false);
      assert.equal(
        (await ledger.claim(hash, idempotencyRecord(), NOW + DAY_MS, NOW))?.attempt,
        'attempt-b',
      );
    });

    it('tells two attempts at one request apart even in the same millisecond', async () => {
      const hash = newRequestId('key-same-request');
      // Two deliveries of one HR event: the same request, fingerprint and lock.
      const [one, other] = ['attempt-1', 'attempt-2'].map((attempt) =>
        idempotencyRecord({ requestId: 'event-1', attempt }),
      ) as [IdempotencyRecord, IdempotencyRecord];

      const answers = await Promise.all(
        [one, other].map((record) => ledger.claim(hash, record, NOW + DAY_MS, NOW)),
      );

      assert.equal(answers.filter((answer) => answer === undefined).length, 1);
    });

    it('settles the final state, and queuedParts round-trips for a request of 1,200 parts', async () => {
      const hash = newRequestId('key-settle');
      const claimed = idempotencyRecord({ accessorCount: 1_200_000 });
      await ledger.claim(hash, claimed, NOW + DAY_MS, NOW);
      const queuedParts = Array.from({ length: 1_200 }, (_, index) => index + 1).filter(
        (part) => part !== 7 && part !== 1_111,
      );
      const settled = {
        ...claimed,
        state: IDEMPOTENCY_STATES.partial,
        lockedUntil: 0,
        messageCount: 1_200,
        queuedParts,
      };

      await ledger.settle(hash, settled);

      assert.deepEqual(await ledger.claim(hash, idempotencyRecord(), NOW + DAY_MS, NOW), settled);
    });

    it('settles a request with no queued parts as an empty list', async () => {
      const hash = newRequestId('key-empty');
      const claimed = idempotencyRecord({ queuedParts: [4] });
      await ledger.claim(hash, claimed, NOW + DAY_MS, NOW);
      const settled = { ...claimed, state: IDEMPOTENCY_STATES.partial, queuedParts: [] };

      assert.equal(await ledger.settle(hash, settled), true);

      const read = await ledger.claim(hash, idempotencyRecord(), NOW + DAY_MS, NOW);
      assert.deepEqual(read?.queuedParts, []);
    });

    it('gives a fresh key to exactly one of several concurrent claims', async () => {
      const hash = newRequestId('key-race');
      const contenders = Array.from({ length: 6 }, (_, index) =>
        idempotencyRecord({ requestId: `contender-${index}`, fingerprint: `f-${index}` }),
      );

      const answers = await Promise.all(
        contenders.map((record) => ledger.claim(hash, record, NOW + DAY_MS, NOW)),
      );

      const winners = contenders.filter((_, index) => answers[index] === undefined);
      assert.equal(winners.length, 1);
      for (const answer of answers.filter((answer) => answer !== undefined)) {
        assert.deepEqual(answer, winners[0]);
      }
    });

    it('refuses to settle a key nobody claimed, rather than create it', async () => {
      const hash = newRequestId('key-unclaimed');

      assert.equal(await ledger.settle(hash, idempotencyRecord()), false);

      assert.equal(await getItem(LEDGER_KEYS.idempotency(hash)), undefined);
    });
  });

  describe('requests', () => {
    it('keeps the first record of a request: a second one with other values changes nothing', async () => {
      const requestId = newRequestId('request-first');
      const first = requestRecord(requestId);
      const second = requestRecord(requestId, {
        spaceId: 'SPOTHER',
        source: 'event',
        requestedBy: 'someone else',
        accessorCount: 99,
        partCount: 9,
        createdAt: NOW + 2 * DAY_MS,
        expiresAt: NOW + 40 * DAY_MS,
      });

      await ledger.recordRequest(first);
      await ledger.recordRequest(second);

      assert.deepEqual(await reader.request(requestId, NOW), first);
      assert.equal(
        await getItem(LEDGER_KEYS.day(second.createdAt, requestId)),
        undefined,
        'the second record leaves no entry in its own day list',
      );
    });

    it('lists the first record under its day when a resumed attempt finds it recorded but not listed', async () => {
      const requestId = newRequestId('request-unlisted');
      const first = requestRecord(requestId);
      // The first attempt records the request, then fails to list it (the invocation dies).
      const dying = ownClient();
      dying.middlewareStack.add(
        (next, context) => async (args) => {
          const input = args.input as { Item?: { pk?: { S?: string } } };
          if (
            context.commandName === 'PutItemCommand' &&
            input.Item?.pk?.S?.startsWith('REQUESTS#')
          )
            throw new Error('the invocation timed out');
          return next(args);
        },
        { step: 'initialize' },
      );
      await assert.rejects(
        new DynamoDbRequestLedger({ client: dying, tableName: db.tableName }).recordRequest(first),
        /the invocation timed out/,
      );
      dying.destroy();

      await ledger.recordRequest({ ...first, createdAt: first.createdAt + 60_000 });

      const listed = await getItem(LEDGER_KEYS.day(first.createdAt, requestId));
      assert.equal(listed?.createdAt?.N, String(first.createdAt));
      assert.equal(await getItem(LEDGER_KEYS.day(first.createdAt + 60_000, requestId)), undefined);
    });

    it("lists the request under its day, REQUESTS#<date>, with the record's attributes", async () => {
      const requestId = newRequestId('request-day');
      const record = requestRecord(requestId, { createdAt: Date.parse('2026-02-28T23:59:59Z') });

      await ledger.recordRequest(record);

      const day = await itemsUnder('REQUESTS#2026-02-28', '2026-02-28T23:59:59.000Z#');
      assert.deepEqual(
        day.map((item) => [item.sk?.S, item.requestId?.S, item.accessorCount?.N]),
        [[`2026-02-28T23:59:59.000Z#${requestId}`, requestId, '10']],
      );
    });

    it('writes a new request and its day entry in one call, read back as a looked-for one is', async () => {
      const looked = newRequestId('request-looked-for');
      const fresh = newRequestId('request-new');
      await ledger.recordRequest(requestRecord(looked));
      const client = ownClient();
      const sent: string[] = [];
      client.middlewareStack.add(
        (next, context) => async (args) => {
          sent.push(String(context.commandName));
          return next(args);
        },
        { step: 'initialize' },
      );

      await new DynamoDbRequestLedger({ client, tableName: db.tableName }).recordRequest(
        requestRecord(fresh),
        { isNew: true },
      );
      client.destroy();

      assert.deepEqual(sent, ['BatchWriteItemCommand']);
      assert.deepEqual(await reader.request(fresh, NOW), requestRecord(fresh));
      const [listedNew, listedLookedFor] = await Promise.all([
        getItem(LEDGER_KEYS.day(NOW, fresh)),
        getItem(LEDGER_KEYS.day(NOW, looked)),
      ]);
      const { pk: _a, sk: _b, ...newEntry } = listedNew ?? {};
      const { pk: _c, sk: _d, ...lookedForEntry } = listedLookedFor ?? {};
      assert.deepEqual(newEntry, { ...lookedForEntry, requestId: { S: fresh } });
    });

    /**
     * Runs `check` with the ledger on a client of one attempt whose first `BatchWriteItem` lands
     * and gets no answer (the caller sees a failure), and whose next one meets `cleanUp`.
     */
    async function withLostNewRequestWrite(
      cleanUp: 'forward' | 'hang',
      check: (ledger: DynamoDbRequestLedger, made: FaultyDynamoDb) => Promise<void>,
    ) {
      const made = await faultyDynamoDb(db.endpoint, 1, (call) => {
        if (call.operation !== 'BatchWriteItem') return 'forward';
        return call.index === 1 ? 'lose' : cleanUp;
      });
      try {
        await check(
          new DynamoDbRequestLedger({ client: made.client, tableName: db.tableName }),
          made,
        );
      } finally {
        await made.stop();
      }
    }

    it('leaves neither item of a new request whose write failed, though it landed', async () => {
      const requestId = newRequestId('request-new-failed');
      const record = requestRecord(requestId);

      await withLostNewRequestWrite('forward', async (ledger, made) => {
        await assert.rejects(ledger.recordRequest(record, { isNew: true }));

        assert.equal(made.sent('BatchWriteItem'), 2, 'the write, then the clean-up');
        assert.equal(await getItem(LEDGER_KEYS.request(requestId)), undefined);
        assert.equal(await getItem(LEDGER_KEYS.day(record.createdAt, requestId)), undefined);
      });
    });

    it('answers for a new request whose write failed without waiting long for a ledger that hangs', {
      timeout: 4_000,
    }, async () => {
      // The clean-up gets no answer at all; the client would wait 5 s a call.
      const record = requestRecord(newRequestId('request-new-hung'));

      await withLostNewRequestWrite('hang', async (ledger, made) => {
        await assert.rejects(ledger.recordRequest(record, { isNew: true }));

        assert.equal(made.sent('BatchWriteItem'), 2, 'the write, then the clean-up');
      });
    });

    it('reads unknown and expired requests as undefined, though an expired item is still there', async () => {
      const requestId = newRequestId('request-expired');
      const expiresAt = NOW + DAY_MS;
      await ledger.recordRequest(requestRecord(requestId, { expiresAt }));

      const before = await reader.request(requestId, expiresAt - 1);
      const atExpiry = await reader.request(requestId, expiresAt);
      const unknown = await reader.request(newRequestId('request-unknown'), NOW);

      assert.equal(before?.requestId, requestId);
      assert.equal(atExpiry, undefined);
      assert.equal(unknown, undefined);
      assert.ok(await getItem(LEDGER_KEYS.request(requestId)), 'the item is still in the table');
    });
  });

  describe('part outcomes: counts are exact under at-least-once delivery', () => {
    it('counts a part delivered twice once; the second copy writes no lists', async () => {
      const requestId = newRequestId('twice');
      await ledger.recordRequest(requestRecord(requestId, { accessorCount: 5 }));

      await outcomes.recordOutcome(delivered(requestId, 1, 3, ['s-1', 's-2'], NOW + 1), EXPIRES);
      await outcomes.recordOutcome(delivered(requestId, 1, 4, ['s-9'], NOW + 2), EXPIRES);

      const summary = await status(requestId);
      assert.deepEqual(summary.accessors, {
        total: 5,
        invited: 3,
        skipped: 2,
        pending: 0,
        failed: 0,
      });
      assert.equal(summary.updatedAt, new Date(NOW + 1).toISOString());
      assert.deepEqual(await accessorIds(requestId, 'skipped'), ['s-1', 's-2']);
      assert.equal((await listItems(requestId)).length, 1, 'no list is left of the second copy');
    });

    it('moves a failed part to invited once it is redriven and delivered', async () => {
      const requestId = newRequestId('redriven');
      await ledger.recordRequest(requestRecord(requestId, { accessorCount: 3 }));
      await ledger.recordOutcome(failed(requestId, 1, ['f-1', 'f-2', 'f-3'], DENIED), EXPIRES);
      const before = await status(requestId);

      await outcomes.recordOutcome(delivered(requestId, 1, 3, [], NOW + 5), EXPIRES);

      assert.deepEqual(
        [before.status, before.accessors.failed, before.failures],
        ['Failed', 3, [{ ...DENIED, accessorCount: 3 }]],
      );
      const after = await status(requestId);
      assert.deepEqual(
        [after.status, after.accessors, after.failures],
        ['Succeeded', { total: 3, invited: 3, skipped: 0, pending: 0, failed: 0 }, []],
      );
      assert.deepEqual(await accessorIds(requestId, 'failed'), []);
      assert.deepEqual(await listItems(requestId), []);
    });

    it('keeps the last reason of a part that failed twice, and lists only its accessors', async () => {
      const requestId = newRequestId('failed-twice');
      await ledger.recordRequest(requestRecord(requestId, { accessorCount: 3 }));

      await outcomes.recordOutcome(failed(requestId, 1, ['a', 'b', 'c'], DENIED), EXPIRES);
      await outcomes.recordOutcome(failed(requestId, 1, ['b', 'c'], INVALID, NOW + 1), EXPIRES);

      const summary = await status(requestId);
      assert.deepEqual(summary.failures, [{ ...INVALID, accessorCount: 2 }]);
      assert.equal(summary.accessors.pending, 1);
      const listed = (await allAccessors(requestId, 'failed', 100)).items;
      assert.deepEqual(listed, [
        { accessorId: 'b', ...INVALID },
        { accessorId: 'c', ...INVALID },
      ]);
    });

    it('keeps a delivered part delivered when a parked duplicate reports a failure', async () => {
      const requestId = newRequestId('delivered-then-failed');
      await ledger.recordRequest(requestRecord(requestId, { accessorCount: 2 }));

      await outcomes.recordOutcome(delivered(requestId, 1, 2), EXPIRES);
      await outcomes.recordOutcome(failed(requestId, 1, ['x', 'y'], DENIED, NOW + 9), EXPIRES);

      const summary = await status(requestId);
      assert.deepEqual(
        [summary.status, summary.accessors.invited, summary.failures],
        ['Succeeded', 2, []],
      );
      assert.deepEqual(await accessorIds(requestId, 'failed'), []);
      assert.deepEqual(await listItems(requestId), []);
      assert.deepEqual(
        await outcomes.deliveredParts([{ requestId, part: 1 }]),
        new Set([`${requestId}#1`]),
      );
    });

    it('ends delivered, with no failed list, when copies of a part settle at the same time', async () => {
      const requestId = newRequestId('concurrent');
      const parts = Array.from({ length: 12 }, (_, index) => index + 1);
      await ledger.recordRequest(requestRecord(requestId, { accessorCount: 24, partCount: 12 }));

      await Promise.all(
        parts.flatMap((part) => [
          outcomes.recordOutcome(
            failed(requestId, part, [`${part}-a`, `${part}-b`], DENIED),
            EXPIRES,
          ),
          outcomes.recordOutcome(delivered(requestId, part, 1, [`${part}-s`]), EXPIRES),
          outcomes.recordOutcome(failed(requestId, part, [`${part}-a`], INVALID), EXPIRES),
        ]),
      );

      const summary = await status(requestId);
      assert.deepEqual(summary.accessors, {
        total: 24,
        invited: 12,
        skipped: 12,
        pending: 0,
        failed: 0,
      });
      assert.deepEqual(await accessorIds(requestId, 'failed'), []);
      assert.deepEqual(
        await accessorIds(requestId, 'skipped'),
        parts.map((part) => `${part}-s`),
      );
      assert.equal((await listItems(requestId)).length, 12, 'only the delivered lists are left');
    });

    it('clears only the failed parts it is given, lists included', async () => {
      const requestId = newRequestId('clear');
      await ledger.recordRequest(requestRecord(requestId, { accessorCount: 6, partCount: 3 }));
      await ledger.recordOutcome(failed(requestId, 1, ['p1-a', 'p1-b'], DENIED), EXPIRES);
      await ledger.recordOutcome(delivered(requestId, 2, 1, ['p2-s']), EXPIRES);
      await ledger.recordOutcome(failed(requestId, 3, ['p3-a', 'p3-b'], DENIED), EXPIRES);

      await ledger.clearOutcomes(requestId, [1, 2]);

      const parts = await reader.parts(requestId);
      assert.deepEqual(
        parts.map((part) => [part.part, part.outcome]),
        [
          [2, 'delivered'],
          [3, 'failed'],
        ],
      );
      assert.deepEqual(await accessorIds(requestId, 'failed'), ['p3-a', 'p3-b']);
      assert.deepEqual(await accessorIds(requestId, 'skipped'), ['p2-s']);
      assert.equal((await listItems(requestId)).length, 2, "part 1's list is deleted");
      assert.deepEqual((await status(requestId)).accessors.pending, 2);
    });

    const faulty: FaultyDynamoDb[] = [];
    afterEach(async () => {
      for (const each of faulty.splice(0)) await each.stop();
    });

    /**
     * The ledger on a client of one attempt whose requests `throttles` picks (by their operation
     * and input) are refused as throttled, on the wire; `throttled()` counts them.
     */
    async function throttling(throttles: (call: DynamoDbCall) => boolean) {
      let throttled = 0;
      const made = await faultyDynamoDb(db.endpoint, 1, (call) => {
        if (!throttles(call)) return 'forward';
        throttled++;
        return dynamoDbError(
          'ProvisionedThroughputExceededException',
          'The level of configured provisioned throughput was exceeded',
        );
      });
      faulty.push(made);
      const ledger = new DynamoDbRequestLedger({ client: made.client, tableName: db.tableName });
      return { ledger, throttled: () => throttled };
    }

    /** The ledger on a client whose batch writes of nothing but deletes are throttled. */
    async function throttlingDeletes() {
      const { ledger } = await throttling(({ operation, input }) => {
        const writes = Object.values((input.RequestItems ?? {}) as Record<string, object[]>).flat();
        return operation === 'BatchWriteItem' && writes.every((write) => 'DeleteRequest' in write);
      });
      return ledger;
    }

    it("records an outcome even when the older outcome's lists cannot be deleted", async () => {
      const requestId = newRequestId('stale-delete-fails');
      await ledger.recordRequest(requestRecord(requestId, { accessorCount: 2 }));
      await ledger.recordOutcome(failed(requestId, 1, ['x-1', 'x-2'], DENIED), EXPIRES);
      const throttled = await throttlingDeletes();

      await throttled.recordOutcome(delivered(requestId, 1, 1, ['x-2']), EXPIRES);

      const summary = await status(requestId);
      assert.deepEqual(summary.accessors, {
        total: 2,
        invited: 1,
        skipped: 1,
        pending: 0,
        failed: 0,
      });
      assert.deepEqual(await accessorIds(requestId, 'failed'), []);
      assert.deepEqual(await accessorIds(requestId, 'skipped'), ['x-2']);
      assert.equal((await listItems(requestId)).length, 2, 'the stale list is left to its TTL');
    });

    it('clears a failed part even when its lists cannot be deleted', async () => {
      const requestId = newRequestId('clear-delete-fails');
      await ledger.recordRequest(requestRecord(requestId, { accessorCount: 2 }));
      await ledger.recordOutcome(failed(requestId, 1, ['y-1', 'y-2'], DENIED), EXPIRES);
      const throttled = await throttlingDeletes();

      await throttled.clearOutcomes(requestId, [1]);

      assert.deepEqual(await reader.parts(requestId), []);
      assert.deepEqual(await accessorIds(requestId, 'failed'), []);
      assert.equal((await status(requestId)).accessors.pending, 2);
    });

    it('clears many parts several at a time', async () => {
      const requestId = newRequestId('clear-many');
      const parts = Array.from({ length: 40 }, (_, index) => index + 1);
      await ledger.recordRequest(requestRecord(requestId, { accessorCount: 40, partCount: 40 }));
      for (const part of parts)
        await ledger.recordOutcome(failed(requestId, part, [`c-${part}`], DENIED), EXPIRES);
      const client = ownClient();
      let inFlight = 0;
      let most = 0;
      client.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName !== 'DeleteItemCommand') return next(args);
          most = Math.max(most, ++inFlight);
          try {
            return await next(args);
          } finally {
            inFlight--;
          }
        },
        { step: 'initialize', name: 'countDeletes' },
      );

      await new DynamoDbRequestLedger({ client, tableName: db.tableName }).clearOutcomes(
        requestId,
        parts,
      );

      assert.deepEqual(await reader.parts(requestId), []);
      assert.equal((await listItems(requestId)).length, 0);
      assert.equal(most, 16);
    });

    it('stops clearing once a part cannot be cleared: nothing will be queued', async () => {
      const requestId = newRequestId('clear-fails');
      const parts = Array.from({ length: 40 }, (_, index) => index + 1);
      const { ledger: throttled, throttled: deletes } = await throttling(
        ({ operation }) => operation === 'DeleteItem',
      );

      await assert.rejects(throttled.clearOutcomes(requestId, parts), {
        name: 'ProvisionedThroughputExceededException',
      });

      assert.equal(deletes(), 16, 'the parts already under way, and no more');
    });

    it('keeps at most 1024 characters of an error type and message, still well-formed', async () => {
      const requestId = newRequestId('long-reason');
      await ledger.recordRequest(requestRecord(requestId, { accessorCount: 1 }));
      // A character beyond the BMP straddles the cut: half a surrogate pair would be kept.
      const errorMessage = `${'m'.repeat(MAX_REASON_LENGTH - 1)}😀${'m'.repeat(200_000)}`;
      const errorType = 'T'.repeat(5_000);

      await ledger.recordOutcome(
        failed(requestId, 1, ['z-1'], { errorType, errorMessage }),
        EXPIRES,
      );

      const [failure] = (await status(requestId)).failures;
      assert.equal(failure?.errorType, 'T'.repeat(MAX_REASON_LENGTH));
      assert.equal(failure?.errorMessage.length, MAX_REASON_LENGTH);
      assert.ok(failure?.errorMessage.isWellFormed());
      const [list] = await listItems(requestId);
      assert.equal(list?.errorMessage?.S, failure?.errorMessage);
    });

    it('never lists stale lists: an older outcome, or a part that was never written', async () => {
      const requestId = newRequestId('stale');
      await ledger.recordRequest(requestRecord(requestId, { accessorCount: 4, partCount: 2 }));
      await ledger.recordOutcome(failed(requestId, 1, ['live-1', 'live-2'], DENIED), EXPIRES);
      // What a writer that crashed after writing its lists leaves: lists no part points at.
      const orphan = (part: number, kind: AccessorResultKind, outcomeId: string) => ({
        PutRequest: {
          Item: {
            ...key(LEDGER_KEYS.list(requestId, kind, part, outcomeId, 0)),
            part: { N: String(part) },
            outcomeId: { S: outcomeId },
            ids: { L: [{ S: `ghost-${part}-${kind}` }] },
            errorType: { S: 'Ghost' },
            errorMessage: { S: 'from a crashed writer' },
            expiresAt: { N: String(EXPIRES) },
          },
        },
      });
      await db.client.send(
        new BatchWriteItemCommand({
          RequestItems: {
            [db.tableName]: [
              orphan(1, 'failed', '00000000'),
              orphan(1, 'failed', 'ffffffff'),
              orphan(1, 'skipped', '00000000'),
              orphan(2, 'failed', '12345678'),
              orphan(2, 'skipped', '12345678'),
            ],
          },
        }),
      );

      const failedIds = await accessorIds(requestId, 'failed');
      const skippedIds = await accessorIds(requestId, 'skipped');
      const oneByOne = await accessorIds(requestId, 'failed', 1);

      assert.deepEqual(failedIds, ['live-1', 'live-2']);
      assert.deepEqual(oneByOne, ['live-1', 'live-2']);
      assert.deepEqual(skippedIds, []);
      assert.equal((await listItems(requestId)).length, 6, 'the stale lists are still there');
      assert.deepEqual((await status(requestId)).accessors, {
        total: 4,
        invited: 0,
        skipped: 0,
        pending: 2,
        failed: 2,
      });
    });

    it('splits lists over 300 KB into several items and reads every ID back in order', async () => {
      const requestId = newRequestId('large');
      // 2,500 IDs of 256 characters: about 650 KB, three items.
      const failedIds = ids('big-failed', 2_500, 256);
      // 700 IDs of about 1 KB in UTF-8 (250 emoji), though 500 UTF-16 units: three items.
      const skippedIds = Array.from({ length: 700 }, (_, index) => `${index}-${'😀'.repeat(250)}`);
      await ledger.recordRequest(requestRecord(requestId, { accessorCount: 3_200 }));

      await ledger.recordOutcome(failed(requestId, 1, failedIds, INVALID), EXPIRES);
      await outcomes.recordOutcome(delivered(requestId, 2, 0, skippedIds), EXPIRES);

      const lists = await listItems(requestId);
      const pagesOf = (kind: string) => lists.filter((item) => item.sk?.S?.startsWith(kind));
      assert.equal(pagesOf('LIST#failed#').length, 3);
      assert.equal(pagesOf('LIST#skipped#').length, 3);
      for (const item of lists) {
        const bytes = (item.ids?.L ?? []).reduce(
          (sum, id) => sum + Buffer.byteLength(id.S ?? ''),
          0,
        );
        assert.ok(bytes <= 300 * 1024, `a list item of ${bytes} bytes of IDs`);
      }
      const { items, pages } = await allAccessors(requestId, 'failed', 1_000);
      assert.equal(pages, 3);
      assert.deepEqual(
        items.map((item) => item.accessorId),
        failedIds,
      );
      assert.ok(items.every((item) => item.errorType === INVALID.errorType));
      assert.deepEqual(await accessorIds(requestId, 'skipped', 997), skippedIds);
    });

    it('answers which parts are delivered, over more than one BatchGetItem', async () => {
      const requestId = newRequestId('delivered-parts');
      const parts = Array.from({ length: 250 }, (_, index) => index + 1);
      for (const part of parts.filter((part) => part % 3 === 0)) {
        await outcomes.recordOutcome(delivered(requestId, part, 1), EXPIRES);
      }
      await outcomes.recordOutcome(failed(requestId, 1, ['x'], DENIED), EXPIRES);

      const found = await outcomes.deliveredParts([
        ...parts.map((part) => ({ requestId, part })),
        { requestId: newRequestId('delivered-parts-none'), part: 3 },
      ]);

      assert.deepEqual(
        found,
        new Set(parts.filter((part) => part % 3 === 0).map((part) => `${requestId}#${part}`)),
      );
    });

    it('reads which parts are delivered consistently, so a copy received just after a delivery sees it', async () => {
      // dynalite is always consistent: what DynamoDB is asked for is what can be checked here.
      const asked: unknown[] = [];
      const watched = ownClient();
      watched.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === 'BatchGetItemCommand') {
            const input = args.input as {
              RequestItems: Record<string, { ConsistentRead?: boolean }>;
            };
            asked.push(input.RequestItems[db.tableName]?.ConsistentRead);
          }
          return next(args);
        },
        { step: 'initialize' },
      );
      const requestId = newRequestId('delivered-consistent');
      await outcomes.recordOutcome(delivered(requestId, 1, 1), EXPIRES);

      const found = await new DynamoDbOutcomes({
        client: watched,
        tableName: db.tableName,
      }).deliveredParts([{ requestId, part: 1 }]);
      watched.destroy();

      assert.deepEqual(found, new Set([`${requestId}#1`]));
      assert.deepEqual(asked, [true]);
    });

    it('answers for a part listed twice, as a batch holding two copies of one message lists it', async () => {
      const requestId = newRequestId('delivered-parts-twice');
      await outcomes.recordOutcome(delivered(requestId, 1, 1), EXPIRES);

      const found = await outcomes.deliveredParts([
        { requestId, part: 1 },
        { requestId, part: 2 },
        { requestId, part: 1 },
      ]);

      assert.deepEqual(found, new Set([`${requestId}#1`]));
    });
  });

  describe('a write the SDK sends again after its answer was lost (it had landed)', () => {
    const faulty: FaultyDynamoDb[] = [];
    afterEach(async () => {
      for (const each of faulty.splice(0)) await each.stop();
    });

    /**
     * The ledger on a client of the SDK's default three attempts whose first `operation` request
     * lands and gets no answer (the connection drops): the SDK sends the very same request again.
     */
    async function losingFirstAnswer(operation: string) {
      const made = await faultyDynamoDb(db.endpoint, 3, (call) =>
        call.operation === operation && call.index === 1 ? 'lose' : 'forward',
      );
      faulty.push(made);
      const options = { client: made.client, tableName: db.tableName };
      return {
        ledger: new DynamoDbRequestLedger(options),
        outcomes: new DynamoDbOutcomes(options),
        sentAgain: () => made.sent(operation) > 1,
      };
    }

    it("keeps a failed part's accessor list", async () => {
      const requestId = newRequestId('retried-outcome');
      await ledger.recordRequest(requestRecord(requestId));
      const retrying = await losingFirstAnswer('UpdateItem');

      await retrying.outcomes.recordOutcome(failed(requestId, 1, ['a', 'b'], DENIED), EXPIRES);

      assert.ok(retrying.sentAgain());
      assert.deepEqual(await accessorIds(requestId, 'failed'), ['a', 'b']);
    });

    it("keeps a delivered part's skipped list", async () => {
      const requestId = newRequestId('retried-delivered');
      await ledger.recordRequest(requestRecord(requestId));
      const retrying = await losingFirstAnswer('UpdateItem');

      await retrying.outcomes.recordOutcome(delivered(requestId, 1, 1, ['s-1']), EXPIRES);

      assert.ok(retrying.sentAgain());
      assert.deepEqual(await accessorIds(requestId, 'skipped'), ['s-1']);
    });

    it('claims the key, instead of finding it held by this very request', async () => {
      const hash = newRequestId('retried-claim');
      const retrying = await losingFirstAnswer('PutItem');

      const held = await retrying.ledger.claim(hash, idempotencyRecord(), NOW + DAY_MS, NOW);

      assert.ok(retrying.sentAgain());
      assert.equal(held, undefined);
    });

    it('takes the key over, instead of finding it taken', async () => {
      const hash = newRequestId('retried-take-over');
      const expected = idempotencyRecord({ state: 'partial', lockedUntil: 0 });
      await ledger.claim(hash, expected, NOW + DAY_MS, NOW);
      const retrying = await losingFirstAnswer('UpdateItem');

      const taken = await retrying.ledger.takeOver(hash, expected, {
        attempt: 'attempt-2',
        lockedUntil: NOW + 35_000,
        expiresAt: NOW + DAY_MS,
      });

      assert.ok(retrying.sentAgain());
      assert.equal(taken, true);
    });

    it('lists the request under its day', async () => {
      const requestId = newRequestId('retried-request');
      const record = requestRecord(requestId);
      const retrying = await losingFirstAnswer('PutItem');

      await retrying.ledger.recordRequest(record);

      assert.ok(retrying.sentAgain());
      assert.ok(await getItem(LEDGER_KEYS.day(record.createdAt, requestId)));
    });
  });

  describe('paging through accessors', () => {
    /** Failed lists of several parts, a multi-item one among them, with stale and skipped lists around them. */
    async function recordManyParts(requestId: string, sizes: readonly number[], width = 0) {
      const expected: string[] = [];
      await ledger.recordRequest(
        requestRecord(requestId, {
          accessorCount: sizes.reduce((sum, size) => sum + size, 0) + 10,
          partCount: sizes.length + 1,
        }),
      );
      for (const [index, size] of sizes.entries()) {
        const part = index + 1;
        const partIds = ids(`${requestId}-p${part}`, size, width);
        // An older failure of each part, replaced: its lists must never come back.
        await outcomes.recordOutcome(failed(requestId, part, ['older'], DENIED), EXPIRES);
        await outcomes.recordOutcome(failed(requestId, part, partIds, INVALID), EXPIRES);
        expected.push(...partIds);
      }
      await outcomes.recordOutcome(
        delivered(requestId, sizes.length + 1, 5, ids('skipped', 5)),
        EXPIRES,
      );
      return expected;
    }

    for (const limit of [1, 7, 1_000]) {
      it(`returns every failed ID exactly once, in order, with limit ${limit}`, async () => {
        const requestId = newRequestId(`paging-${limit}`);
        const expected = await recordManyParts(requestId, [13, 1, 40, 7, 0, 22]);

        const { items, pages } = await allAccessors(requestId, 'failed', limit);

        assert.deepEqual(
          items.map((item) => item.accessorId),
          expected,
        );
        assert.equal(pages, Math.max(1, Math.ceil(expected.length / limit)));
      });
    }

    it('pages across list items of 300 KB, with a limit that ends inside and at their edges', async () => {
      const requestId = newRequestId('paging-large');
      const expected = await recordManyParts(requestId, [3, 2_500, 4], 256);
      const perItem = (await listItems(requestId))
        .filter((item) => item.sk?.S?.includes('#0000002#'))
        .map((item) => item.ids?.L?.length ?? 0);

      const odd = await allAccessors(requestId, 'failed', 997);
      const edge = await allAccessors(requestId, 'failed', perItem[0] as number);

      assert.equal(perItem.length, 3);
      assert.deepEqual(
        odd.items.map((item) => item.accessorId),
        expected,
      );
      assert.deepEqual(
        edge.items.map((item) => item.accessorId),
        expected,
      );
    });

    it('refuses a token handed out for one status when it is used for the other', async () => {
      const requestId = newRequestId('token-kind');
      await recordManyParts(requestId, [5]);
      const first = await reader.accessors(requestId, 'failed', { limit: 2 });
      assert.ok(first.nextToken);

      const reused = reader.accessors(requestId, 'skipped', {
        limit: 2,
        nextToken: first.nextToken,
      });

      await assert.rejects(reused, InviteValidationError);
      const skipped = await reader.accessors(requestId, 'skipped', { limit: 2 });
      await assert.rejects(
        reader.accessors(requestId, 'failed', { limit: 2, nextToken: skipped.nextToken }),
        InviteValidationError,
      );
    });

    it("refuses another request's token, which would skip this one's lists", async () => {
      const [one, other] = [newRequestId('token-one'), newRequestId('token-other')];
      await recordManyParts(one, [5]);
      await recordManyParts(other, [5]);
      const first = await reader.accessors(one, 'failed', { limit: 2 });
      assert.ok(first.nextToken);

      await assert.rejects(
        reader.accessors(other, 'failed', { limit: 2, nextToken: first.nextToken }),
        InviteValidationError,
      );
    });

    it('lists every ID of a part whose outcome is written again between two pages', async () => {
      // Each new outcome gets a random ID, which sorts before or after the old one: ten tries.
      for (let attempt = 0; attempt < 10; attempt++) {
        const requestId = newRequestId(`paging-rewritten-${attempt}`);
        const expected = await recordManyParts(requestId, [5, 3]);
        const firstPage = await reader.accessors(requestId, 'failed', { limit: 2 });
        // Part 1 is parked again (its redrive failed too) while the caller is between pages.
        const partOne = expected.slice(0, 5);
        await outcomes.recordOutcome(failed(requestId, 1, partOne, DENIED, NOW + 1), EXPIRES);

        const rest = await reader.accessors(requestId, 'failed', {
          limit: 1_000,
          nextToken: firstPage.nextToken as string,
        });

        const listed = [...firstPage.items, ...rest.items].map((item) => item.accessorId);
        assert.deepEqual(new Set(listed), new Set(expected), `try ${attempt}`);
      }
    });

    it('refuses tokens it never handed out', async () => {
      const requestId = newRequestId('token-garbage');
      await recordManyParts(requestId, [5]);
      const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const list = (sk: string, offset = 0) => encode({ requestId, sk, offset });
      const garbage = [
        // Past the last list item (DynamoDB refuses a range whose start is past its end), or no
        // list item's key at all.
        list('LIST#failed#\uffff\uffff'),
        list('LIST#failed#0000001'),
        list(`LIST#failed#0000001#abcdef01#001${'x'.repeat(1_100)}`),
        list('LIST#failed#0000001#ABCDEF01#001'),
        encode({ sk: 'LIST#failed#0000001#abcdef01#001', offset: 0 }),
        '',
        'garbage',
        'eyJ',
        encode(null),
        encode(5),
        encode('LIST#failed#'),
        encode([]),
        encode({ sk: 'LIST#failed#0000001' }),
        encode({ sk: 'LIST#failed#0000001', offset: -1 }),
        encode({ sk: 'LIST#failed#0000001', offset: 1.5 }),
        encode({ sk: 'LIST#failed#0000001', offset: '1' }),
        encode({ sk: 'LIST#failed#0000001', offset: 2 ** 53 }),
        encode({ sk: 'PART#0000001', offset: 0 }),
        encode({ sk: 'REQUEST', offset: 0 }),
        encode({ sk: 'LIST#skipped#0000001', offset: 0 }),
        encode({ sk: 5, offset: 0 }),
      ];

      for (const nextToken of garbage) {
        await assert.rejects(
          reader.accessors(requestId, 'failed', { limit: 10, nextToken }),
          InviteValidationError,
          `token ${JSON.stringify(nextToken)}`,
        );
      }
    });
  });

  describe('counts against a model, for any sequence of outcomes', () => {
    const REASONS = [DENIED, INVALID, { errorType: 'InternalServerException', errorMessage: '' }];
    const PART_SIZES = [4, 1, 3];

    type Step =
      | { kind: 'delivered'; part: number; skipped: number }
      | { kind: 'failed'; part: number; reason: number; skipped: number }
      | { kind: 'clear'; parts: number[] };

    const part = fc.integer({ min: 1, max: PART_SIZES.length });
    const step: fc.Arbitrary<Step> = fc.oneof(
      {
        weight: 3,
        arbitrary: fc.record({ kind: fc.constant('delivered' as const), part, skipped: fc.nat(1) }),
      },
      {
        weight: 4,
        arbitrary: fc.record({
          kind: fc.constant('failed' as const),
          part,
          reason: fc.nat(REASONS.length - 1),
          skipped: fc.nat(1),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant('clear' as const),
          parts: fc.uniqueArray(part, { maxLength: PART_SIZES.length }),
        }),
      },
    );

    it('keeps total = invited + skipped + pending + failed and matches a model of the parts', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(step, { maxLength: 12 }), async (steps) => {
          const requestId = newRequestId('model');
          const total = PART_SIZES.reduce((sum, size) => sum + size, 0);
          await ledger.recordRequest(
            requestRecord(requestId, { accessorCount: total, partCount: PART_SIZES.length }),
          );
          const chunk = (n: number) => ids(`${requestId}-p${n}`, PART_SIZES[n - 1] as number);
          // The model: a delivered part stays delivered; a failure replaces a failure.
          const model = new Map<number, PartOutcome>();
          for (const [index, next] of steps.entries()) {
            const at = NOW + index + 1;
            if (next.kind === 'clear') {
              await ledger.clearOutcomes(requestId, next.parts);
              for (const n of next.parts) if (model.get(n)?.outcome === 'failed') model.delete(n);
              continue;
            }
            const accessors = chunk(next.part);
            const skippedIds = accessors.slice(0, next.skipped);
            const outcome: PartOutcome =
              next.kind === 'delivered'
                ? delivered(
                    requestId,
                    next.part,
                    accessors.length - skippedIds.length,
                    skippedIds,
                    at,
                  )
                : {
                    ...failed(
                      requestId,
                      next.part,
                      accessors.slice(next.skipped),
                      REASONS[next.reason] ?? DENIED,
                      at,
                    ),
                    skippedIds,
                  };
            await outcomes.recordOutcome(outcome, EXPIRES);
            if (model.get(next.part)?.outcome !== 'delivered') model.set(next.part, outcome);
          }

          const summary = await status(requestId);

          const settled = [...model.values()];
          const sum = (count: (outcome: PartOutcome) => number) =>
            settled.reduce((acc, outcome) => acc + count(outcome), 0);
          const invited = sum((outcome) => outcome.invitedCount);
          const skipped = sum((outcome) => outcome.skippedIds.length);
          const failedCount = sum((outcome) => outcome.failedIds.length);
          const { accessors } = summary;
          assert.equal(
            accessors.total,
            accessors.invited + accessors.skipped + accessors.pending + accessors.failed,
          );
          assert.deepEqual(accessors, {
            total,
            invited,
            skipped,
            pending: total - invited - skipped - failedCount,
            failed: failedCount,
          });
          const byPart = [...model.entries()].sort(([a], [b]) => a - b);
          assert.deepEqual(
            await accessorIds(requestId, 'failed', 2),
            byPart.flatMap(([, outcome]) => outcome.failedIds),
          );
          assert.deepEqual(
            await accessorIds(requestId, 'skipped', 3),
            byPart.flatMap(([, outcome]) => outcome.skippedIds),
          );
          const live = (await listItems(requestId)).length;
          const expectedLists = settled.reduce(
            (n, outcome) =>
              n + (outcome.skippedIds.length > 0 ? 1 : 0) + (outcome.failedIds.length > 0 ? 1 : 0),
            0,
          );
          assert.equal(live, expectedLists, 'lists of replaced outcomes are deleted');
        }),
        { numRuns: 40 },
      );
    });
  });
});
