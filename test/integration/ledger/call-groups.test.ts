/**
 * Call groups on dynalite: small batches of one content pooled into one call across worker
 * environments (`gather` with `DynamoDbCallGroups`).
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import {
  type AttributeValue,
  DeleteItemCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CallGroupLostError,
  DynamoDbCallGroups,
  GROUP_GRACE_MS,
  groupHash,
  LATE_CLOSE_MS,
  MAX_HAND_OFF_BYTES,
} from '../../../shared/adapters/ledger/dynamodb-call-groups.ts';
import { createDynamoDbClient } from '../../../shared/adapters/ledger/dynamodb-client.ts';
import { key, LEDGER_KEYS } from '../../../shared/adapters/ledger/ledger-items.ts';
import {
  type GatherOptions,
  GROUP_RETRY_FIRST_WAIT_MS,
  gather,
  JOIN_SLACK_MS,
} from '../../../shared/domain/call-group.ts';
import type { ReceivedMessage } from '../../../shared/domain/delivery.ts';
import { UnknownOutcomeError } from '../../../shared/domain/errors.ts';
import { decodeInviteChunk, encodeInviteChunk } from '../../../shared/domain/invite-chunk.ts';
import { contentKeyOf } from '../../../shared/domain/plan-calls.ts';
import type { BatchSource, CallGroups, HandOff } from '../../../shared/domain/ports.ts';
import {
  dynamoDbError,
  type FaultyDynamoDb,
  faultyDynamoDb,
  THROTTLED,
} from '../../helpers/dynamodb-faults.ts';
import type { ProxyAction } from '../../helpers/fault-proxy.ts';
import { type DynamoDbContext, startDynamoDb } from '../../helpers/ledger.ts';
import { TEST_CREDENTIALS, TEST_REGION } from '../../helpers/sqs.ts';

const NOW = 1_800_000_000_000;
let sequence = 0;

/** A received one-chunk message of `accessors` people; `body` sets the call's content. */
function message(accessors: number, options: { body?: string; delivered?: boolean } = {}) {
  sequence++;
  const chunk = {
    v: 1 as const,
    requestId: `req-${sequence}`,
    part: 1,
    parts: 1,
    spaceId: 'SPACE1',
    title: 'Welcome',
    body: options.body ?? 'Join us',
    accessorIds: Array.from({ length: accessors }, (_, index) => `p-${sequence}-${index}`),
  };
  const received: ReceivedMessage = {
    messageId: `m-${sequence}`,
    receiptHandle: `h-${sequence}`,
    body: encodeInviteChunk(chunk),
    receiveCount: 2,
    ...(options.delivered ? { delivered: { at: NOW, skippedIds: [] } } : {}),
  };
  return received;
}

/**
 * A queue with nothing more on it, on a fake clock: each receive waits its time out, after
 * running what the test has queued for that moment (another worker's `gather`).
 */
class EmptyQueue implements BatchSource {
  readonly clock = { now: NOW };
  readonly #meanwhile: (() => Promise<unknown>)[] = [];

  meanwhile(action: () => Promise<unknown>) {
    this.#meanwhile.push(action);
  }

  async receive(_max: number, waitSeconds: number) {
    await this.#meanwhile.shift()?.();
    this.clock.now += Math.max(waitSeconds * 1000, 50);
    return [];
  }

  async delete() {
    return [];
  }

  options(groups: CallGroups, until: number, extra: Partial<GatherOptions> = {}): GatherOptions {
    return {
      source: this,
      until,
      groups,
      now: () => this.clock.now,
      sleep: async (ms: number) => {
        this.clock.now += ms;
      },
      ...extra,
    };
  }
}

/** A group `token` leads until `closesAt`, with room for any batch of these tests. */
function roomy(token: string, closesAt: number) {
  return { token, closesAt, room: 999, bytesLeft: 1e6 };
}

/** The call content a batch of one content pools under. */
function contentOf(batch: readonly ReceivedMessage[]): string {
  const [first] = batch;
  assert.ok(first);
  return contentKeyOf(decodeInviteChunk(first.body));
}

/** `groups`, noting in `tried` each open and join asked of it. */
function recording(groups: CallGroups, tried: string[]): CallGroups {
  return {
    open(...args) {
      tried.push('open');
      return groups.open(...args);
    },
    join(...args) {
      tried.push('join');
      return groups.join(...args);
    },
    close(...args) {
      tried.push('close');
      return groups.close(...args);
    },
  };
}

describe('call groups in the ledger table (dynalite)', () => {
  let dynamodb: DynamoDbContext;
  let groups: DynamoDbCallGroups;

  before(async () => {
    dynamodb = await startDynamoDb();
    groups = new DynamoDbCallGroups({ client: dynamodb.client, tableName: dynamodb.tableName });
  });
  after(() => dynamodb.stop());

  async function handOffItems(): Promise<number> {
    const { Items = [] } = await dynamodb.client.send(
      new ScanCommand({ TableName: dynamodb.tableName, ConsistentRead: true }),
    );
    return Items.filter((item) => item.pk?.S?.startsWith('HANDOFF#')).length;
  }

  const faulty: FaultyDynamoDb[] = [];
  afterEach(async () => {
    for (const each of faulty.splice(0)) await each.stop();
  });

  /**
   * A client of `attempts` attempts whose `operation` requests go as `script` says (given their
   * index among them, from 1), on the wire; stopped after the test.
   */
  async function faultyClient(
    operation: string,
    attempts: number,
    script: (index: number) => ProxyAction,
  ): Promise<FaultyDynamoDb> {
    const made = await faultyDynamoDb(dynamodb.endpoint, attempts, (call) =>
      call.operation === operation ? script(call.index) : 'forward',
    );
    faulty.push(made);
    return made;
  }

  it('a small batch joins the call another worker gathers; the leader sends what it was handed', async () => {
    const queue = new EmptyQueue();
    const leaderBatch = [message(1)];
    const followerBatch = [message(2), message(1)];
    let follower: Awaited<ReturnType<typeof gather>> | undefined;
    // Its own gathering ends 50 ms before the group closes: within the slack, so it joins.
    queue.meanwhile(async () => {
      follower = await gather(followerBatch, queue.options(groups, NOW + 850));
    });
    const handedIn: ReceivedMessage[][] = [];

    const leader = await gather(
      leaderBatch,
      queue.options(groups, NOW + 900, {
        token: () => 'leader-1',
        onHandedIn: (messages, group) => {
          assert.equal(group, 'leader-1');
          handedIn.push([...messages]);
        },
      }),
    );

    assert.deepEqual(follower, { handedOff: true, accessors: 3, joined: { group: 'leader-1' } });
    const { Items = [] } = await dynamodb.client.send(
      new ScanCommand({ TableName: dynamodb.tableName, ConsistentRead: true }),
    );
    const stored = JSON.stringify(Items);
    assert.match(stored, /HANDOFF#/);
    assert.doesNotMatch(stored, /Welcome|Join us/, 'no title or body in the ledger');
    assert.equal(leader.handedOff, false);
    assert.deepEqual(leader.handedOff === false && leader.extra, followerBatch, 'every field');
    assert.deepEqual(handedIn, [followerBatch]);
    assert.ok(queue.clock.now >= NOW + 900, 'the leader held its batch until the group closed');
  });

  it('does not hand a batch to a group that closes after its own window, nor to a closed one', async () => {
    const queue = new EmptyQueue();
    const outcomes: Awaited<ReturnType<typeof gather>>[] = [];
    // Accepted before the leader's batch: waiting for the leader's call would make it wait longer.
    queue.meanwhile(async () => {
      outcomes.push(await gather([message(1)], queue.options(groups, NOW + 500)));
    });
    const leader = await gather([message(1)], queue.options(groups, NOW + 1_000));
    // The leader's group has closed: a late batch leads a group of its own.
    const late = await gather([message(1)], queue.options(groups, queue.clock.now + 300));

    assert.equal(outcomes[0]?.handedOff, false);
    assert.deepEqual(leader, { handedOff: false, extra: [] });
    assert.deepEqual(late, { handedOff: false, extra: [] });
  });

  it('a batch that finds the group past its close, its leader still closing it, leads the next', async () => {
    const queue = new EmptyQueue();
    const late = [message(1, { body: 'Closing late' })];
    const joiner = [message(1, { body: 'Closing late' })];
    const content = contentOf(late);
    const tried: string[] = [];
    const seen = recording(groups, tried);
    // The leader's group closed at NOW + 500; the batch comes 20 ms later, before the leader closes it.
    assert.equal(await groups.open(content, roomy('slow-leader', NOW + 500), NOW), true);
    queue.clock.now = NOW + 520;
    const waits: number[] = [];
    const handedIn: string[] = [];
    const gathering = gather(
      late,
      queue.options(seen, NOW + 1_300, {
        token: () => 'next-leader',
        sleep: async (ms) => {
          waits.push(ms);
          queue.clock.now += ms;
          // The slow leader closes its group while the batch waits the second time.
          if (waits.length === 2) await groups.close(content, 'slow-leader');
        },
        onHandedIn: (messages) => handedIn.push(...messages.map((m) => m.messageId)),
      }),
    );
    // Once the batch leads, another batch joins its group.
    let joined: Awaited<ReturnType<typeof gather>> | undefined;
    queue.meanwhile(async () => {
      joined = await gather(joiner, queue.options(groups, NOW + 1_300));
    });

    const gathered = await gathering;

    assert.deepEqual(tried, ['open', 'join', 'open', 'join', 'open', 'close']);
    // The top-up's own polling steps follow.
    assert.deepEqual(waits.slice(0, 2), [GROUP_RETRY_FIRST_WAIT_MS, 2 * GROUP_RETRY_FIRST_WAIT_MS]);
    assert.deepEqual(joined, { handedOff: true, accessors: 1, joined: { group: 'next-leader' } });
    assert.deepEqual(gathered, { handedOff: false, extra: joiner });
    assert.deepEqual(handedIn, [joiner[0]?.messageId]);
  });

  it('a batch that finds the group past its close tries again only while its own window lasts', async () => {
    const queue = new EmptyQueue();
    const batch = [message(1, { body: 'Never closed' })];
    await groups.open(contentOf(batch), roomy('stuck-leader', NOW + 500), NOW);
    queue.clock.now = NOW + 520;
    const tried: string[] = [];
    const waits: number[] = [];

    const gathered = await gather(
      batch,
      queue.options(recording(groups, tried), NOW + 700, {
        sleep: async (ms) => {
          waits.push(ms);
          queue.clock.now += ms;
        },
      }),
    );

    // At 580 a wait of 80 would leave less than the join slack before 700: it stops trying and
    // goes alone, topping up for what is left.
    assert.equal(JOIN_SLACK_MS, 100);
    assert.deepEqual(waits.slice(0, 2), [20, 40]);
    assert.deepEqual(tried, ['open', 'join', 'open', 'join', 'open', 'join']);
    assert.deepEqual(gathered, { handedOff: false, extra: [] });
  });

  it('a batch that tries again joins the group another batch opened meanwhile', async () => {
    const queue = new EmptyQueue();
    const batch = [message(2, { body: 'Reopened by another' })];
    const content = contentOf(batch);
    await groups.open(content, roomy('slow-leader-2', NOW + 500), NOW);
    queue.clock.now = NOW + 520;
    const tried: string[] = [];

    const gathered = await gather(
      batch,
      queue.options(recording(groups, tried), NOW + 1_300, {
        sleep: async (ms) => {
          queue.clock.now += ms;
          // While it waits, the slow leader closes and another batch opens the next group.
          await groups.close(content, 'slow-leader-2', queue.clock.now);
          await groups.open(content, roomy('other-leader', NOW + 1_300), queue.clock.now);
        },
      }),
    );

    assert.deepEqual(tried, ['open', 'join', 'open', 'join']);
    assert.deepEqual(gathered, {
      handedOff: true,
      accessors: 2,
      joined: { group: 'other-leader' },
    });
  });

  it('a batch that finds a group whose leader is late by more than LATE_CLOSE_MS goes alone at once', async () => {
    const queue = new EmptyQueue();
    const batch = [message(1, { body: 'Leader gone' })];
    await groups.open(contentOf(batch), roomy('gone-leader', NOW + 500), NOW);
    queue.clock.now = NOW + 501 + LATE_CLOSE_MS;
    const tried: string[] = [];

    const gathered = await gather(
      batch,
      queue.options(recording(groups, tried), queue.clock.now + 800),
    );

    assert.deepEqual(tried, ['open', 'join']);
    assert.deepEqual(gathered, { handedOff: false, extra: [] });
  });

  it('leaves out a batch the group has no room for, and batches it cannot send for others', async () => {
    const queue = new EmptyQueue();
    const tried: string[] = [];
    const seen = recording(groups, tried);
    const before = await handOffItems();
    const handed: boolean[] = [];
    queue.meanwhile(async () => {
      // 600 accessors do not fit beside the leader's 500.
      const big = await gather([message(600)], queue.options(seen, NOW + 1_000));
      // Two contents, a chunk re-queued as delivered, a call's worth: no group is asked.
      const mixed = await gather(
        [message(1), message(1, { body: 'Other' })],
        queue.options(seen, NOW + 1_000),
      );
      const delivered = await gather(
        [message(1, { delivered: true })],
        queue.options(seen, NOW + 1_000),
      );
      const full = await gather([message(1000)], queue.options(seen, NOW + 1_000));
      handed.push(...[big, mixed, delivered, full].map((gathered) => gathered.handedOff));
    });

    const leader = await gather([message(500)], queue.options(groups, NOW + 900));

    assert.deepEqual(handed, [false, false, false, false]);
    assert.deepEqual(tried, ['open', 'join'], 'only the 600 asked, and went alone');
    assert.deepEqual(leader, { handedOff: false, extra: [] });
    assert.equal(await handOffItems(), before, 'a hand-off no group took is deleted');
  });

  it('does not hand over a batch on its last receive: a leader that failed would leave it to the DLQ', async () => {
    const queue = new EmptyQueue();
    const batch = (receiveCount: number) => [
      message(1, { body: 'Last receive' }),
      { ...message(1, { body: 'Last receive' }), receiveCount },
    ];
    await groups.open(contentOf(batch(1)), roomy('open-leader', NOW + 900), NOW);
    const tried: string[] = [];
    const options = () =>
      queue.options(recording(groups, tried), NOW + 1_000, { maxReceiveCount: 100 });

    const last = await gather(batch(100), options());
    const before = tried.length;
    queue.clock.now = NOW;
    const earlier = await gather(batch(99), options());

    assert.equal(before, 0, 'no group asked');
    assert.deepEqual(last, { handedOff: false, extra: [] });
    assert.deepEqual(earlier, {
      handedOff: true,
      accessors: 2,
      joined: { group: 'open-leader' },
    });
  });

  it('takes no group for a batch whose window has passed', async () => {
    const queue = new EmptyQueue();
    const tried: string[] = [];
    const always: CallGroups = {
      open: async () => true,
      join: async () => ({ group: 'g' }),
      close: async () => [],
    };
    const seen = recording(always, tried);

    const gathered = await gather([message(1)], queue.options(seen, NOW));

    assert.deepEqual(gathered, { handedOff: false, extra: [] });
    assert.deepEqual(tried, []);
  });

  it('leaves out a handed message that does not read back as a chunk: SQS brings it back', async () => {
    const queue = new EmptyQueue();
    const good = message(1);
    const { title: _title, body: _body, ...rest } = JSON.parse(good.body);
    const groupsHanding: CallGroups = {
      open: async () => true,
      join: async () => false,
      close: async () => [
        { ...good, body: JSON.stringify(rest) },
        { ...message(1), messageId: 'broken', body: '{"v":1,' },
      ],
    };

    const gathered = await gather([message(1)], queue.options(groupsHanding, NOW + 300));

    assert.deepEqual(gathered, { handedOff: false, extra: [good] });
  });

  it('tops up alone when the groups cannot be reached, and says so', async () => {
    const down = new DynamoDbCallGroups({
      client: createDynamoDbClient({
        endpoint: 'http://127.0.0.1:9',
        region: TEST_REGION,
        credentials: TEST_CREDENTIALS,
        timeouts: { requestTimeoutMs: 500, maxAttempts: 1 },
      }),
      tableName: dynamodb.tableName,
    });
    const queue = new EmptyQueue();
    const errors: string[] = [];

    const gathered = await gather(
      [message(1)],
      queue.options(down, NOW + 300, { onGroupError: (action) => errors.push(action) }),
    );

    assert.deepEqual(gathered, { handedOff: false, extra: [] });
    // The open's outcome is unknown: a group it opened would be closed.
    assert.deepEqual(errors, ['open', 'close']);
    assert.ok(queue.clock.now >= NOW + 300, 'it still topped up');
  });

  describe('DynamoDbCallGroups', () => {
    const content = 'adapter-content';
    const handOff = (messages: ReceivedMessage[], latestClose: number): HandOff => ({
      messages,
      accessors: messages.length,
      bytes: 100,
      latestClose,
    });
    const group = (token: string, closesAt: number) => ({
      token,
      closesAt,
      room: 10,
      bytesLeft: 10_000,
    });

    it('opens once per content until the group is closed or goes stale, and not while it closes', async () => {
      const key1 = `${content}-1`;
      assert.equal(await groups.open(key1, group('a', NOW + 1_000), NOW), true);
      assert.equal(await groups.open(key1, group('a', NOW + 1_000), NOW), false);
      assert.equal(await groups.open(key1, group('b', NOW + 2_000), NOW + 500), false);
      // Past its close, still its leader's within the grace.
      assert.equal(
        await groups.open(key1, group('b', NOW + 5_000), NOW + 1_000 + GROUP_GRACE_MS),
        false,
      );
      assert.equal(
        await groups.open(key1, group('b', NOW + 5_000), NOW + 1_001 + GROUP_GRACE_MS),
        true,
      );
      await assert.rejects(groups.close(key1, 'a'), CallGroupLostError);
      assert.equal(await groups.open(`${content}-2`, group('c', NOW + 1_000), NOW), true);
      await groups.close(`${content}-2`, 'c');
      assert.equal(await groups.open(`${content}-2`, group('d', NOW + 2_000), NOW + 10), true);
      // A leader that failed while closing (the group left `closing`): not replaced before the grace.
      await dynamodb.client.send(
        new UpdateItemCommand({
          TableName: dynamodb.tableName,
          Key: key(LEDGER_KEYS.group(groupHash(`${content}-2`))),
          UpdateExpression: 'SET #state = :closing',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':closing': { S: 'closing' } },
        }),
      );
      assert.equal(await groups.open(`${content}-2`, group('e', NOW + 3_000), NOW + 2_500), false);
      assert.equal(
        await groups.join(`${content}-2`, handOff([message(1)], NOW + 3_000), NOW + 1_500),
        'retry',
        'a join is refused while its leader closes it, before its close too',
      );
      assert.equal(
        await groups.join(
          `${content}-2`,
          handOff([message(1)], NOW + 3_000),
          NOW + 2_000 + LATE_CLOSE_MS,
        ),
        false,
        'its leader is too late: most likely it failed',
      );
      assert.equal(
        await groups.open(`${content}-2`, group('e', NOW + 3_000), NOW + 2_001 + GROUP_GRACE_MS),
        true,
      );
    });

    it('joins while the group is open, in time and with room, and hands over each batch once', async () => {
      const key3 = `${content}-3`;
      const first = [message(1)];
      const second = [message(1)];
      assert.equal(
        await groups.join(key3, handOff(first, NOW + 2_000), NOW),
        'retry',
        'no group: one can open',
      );
      await groups.open(key3, { ...group('e', NOW + 1_000), room: 2 }, NOW);
      assert.equal(await groups.join(key3, handOff(first, NOW + 999), NOW), false, 'too late');
      assert.deepEqual(await groups.join(key3, handOff(first, NOW + 1_000), NOW + 999), {
        group: 'e',
      });
      assert.equal(
        await groups.join(key3, handOff([message(1), message(1)], NOW + 2_000), NOW),
        false,
        'no room',
      );
      assert.equal(
        await groups.join(key3, { ...handOff([message(1)], NOW + 2_000), bytes: 10_001 }, NOW),
        false,
        'room for the accessors, not for their bytes',
      );
      assert.deepEqual(await groups.join(key3, handOff(second, NOW + 2_000), NOW + 10), {
        group: 'e',
      });
      assert.equal(
        await groups.join(key3, handOff([message(1)], NOW + 2_000), NOW + 1_000),
        'retry',
        'past its close, not yet closed by its leader',
      );

      const handed = await groups.close(key3, 'e');

      const ids = (messages: ReceivedMessage[]) => messages.map((m) => m.messageId).sort();
      assert.deepEqual(ids(handed), ids([...first, ...second]));
      assert.deepEqual(
        ids(await groups.close(key3, 'e')),
        ids(handed),
        'a repeated close reads the same',
      );
      assert.equal(
        await groups.join(key3, handOff([message(1)], NOW + 2_000), NOW + 20),
        'retry',
        'closed: the next can open',
      );
    });

    it('sends batches alone once a group has been left closing longer than LATE_CLOSE_MS', async () => {
      const key10 = `${content}-10`;
      // Its leader filled the call early, marked it closing at NOW + 100, and the closed mark failed.
      await groups.open(key10, group('i', NOW + 5_000), NOW);
      const closedMarkFails = await faultyClient('UpdateItem', 1, (index) =>
        index === 1 ? 'forward' : THROTTLED,
      );
      const leftClosing: string[] = [];
      const leader = new DynamoDbCallGroups({
        client: closedMarkFails.client,
        tableName: dynamodb.tableName,
        onLeftClosing: (error) => leftClosing.push((error as Error).name),
      });
      assert.deepEqual(await leader.close(key10, 'i', NOW + 100), []);
      assert.deepEqual(leftClosing, ['ThrottlingException'], 'the failed mark is told');
      const late = handOff([message(1)], NOW + 5_000);

      assert.equal(await groups.join(key10, late, NOW + 99 + LATE_CLOSE_MS), 'retry');
      assert.equal(
        await groups.join(key10, late, NOW + 100 + LATE_CLOSE_MS),
        false,
        'closing for longer than LATE_CLOSE_MS, though its close is still ahead',
      );
    });

    it('reads a group again after a refusal: one that changed since is tried again, a failed read throws', async () => {
      const key9 = `${content}-9`;
      await groups.open(key9, group('h', NOW + 1_000), NOW);
      // Refused as if the group had had no room at that moment; it has room when read after.
      const refusing = await faultyClient('UpdateItem', 1, () =>
        dynamoDbError('ConditionalCheckFailedException', 'The conditional request failed'),
      );
      const before = await handOffItems();
      assert.equal(
        await new DynamoDbCallGroups({
          client: refusing.client,
          tableName: dynamodb.tableName,
        }).join(key9, handOff([message(1)], NOW + 1_000), NOW),
        'retry',
      );
      const unread = await faultyClient('GetItem', 1, () =>
        dynamoDbError(
          'AccessDeniedException',
          'User is not authorized to perform: dynamodb:GetItem',
        ),
      );
      await assert.rejects(
        new DynamoDbCallGroups({ client: unread.client, tableName: dynamodb.tableName }).join(
          key9,
          handOff([message(1)], NOW + 1_000),
          NOW + 1_000,
        ),
        /not authorized/,
      );
      assert.equal(await handOffItems(), before, 'neither left a hand-off behind');
    });

    it('keeps a batch too large for one item out of the table', async () => {
      const key4 = `${content}-4`;
      await groups.open(key4, { ...group('f', NOW + 1_000), bytesLeft: 10_000_000 }, NOW);
      const huge = message(1);
      huge.body = 'x'.repeat(MAX_HAND_OFF_BYTES);
      const before = await handOffItems();

      assert.equal(await groups.join(key4, handOff([huge], NOW + 1_000), NOW), false);
      assert.equal(await handOffItems(), before);
      assert.deepEqual(await groups.close(key4, 'f'), []);
    });

    it('counts a join whose answer was lost, or that the SDK sent twice, as made; a single refusal as not', async () => {
      const key5 = `${content}-5`;
      const updates = (attempts: number, script: (index: number) => ProxyAction) =>
        faultyClient('UpdateItem', attempts, script);
      await groups.open(key5, { ...group('g', NOW + 1_000), room: 2 }, NOW);
      const lost = [message(1)];
      const retried = [message(1)];

      // Landed, and the answer never came.
      const losing = await updates(1, () => 'lose');
      const joined = await new DynamoDbCallGroups({
        client: losing.client,
        tableName: dynamodb.tableName,
      }).join(key5, handOff(lost, NOW + 1_000), NOW);
      assert.ok(typeof joined === 'object' && joined.group === undefined);
      assert.ok(joined.error instanceof Error);
      // Landed (taking the last room), answered 503; the SDK's second attempt finds no room.
      const retrying = await updates(2, (index) =>
        index === 1
          ? { after: dynamoDbError('ServiceUnavailableException', 'Service unavailable', 503) }
          : 'forward',
      );
      const again = await new DynamoDbCallGroups({
        client: retrying.client,
        tableName: dynamodb.tableName,
      }).join(key5, handOff(retried, NOW + 1_000), NOW);
      assert.equal(retrying.sent('UpdateItem'), 2, 'the SDK sent it twice');
      assert.ok(
        typeof again === 'object' && again.group === undefined,
        'the refusal was of the second attempt',
      );
      // Landed, and the answer of success could not be read.
      const unreadable = await updates(1, () => 'garble');
      const read = [message(1)];
      await groups.open(`${key5}-u`, group('gu', NOW + 1_000), NOW);
      const unreadJoin = await new DynamoDbCallGroups({
        client: unreadable.client,
        tableName: dynamodb.tableName,
      }).join(`${key5}-u`, handOff(read, NOW + 1_000), NOW);
      assert.ok(
        typeof unreadJoin === 'object' && unreadJoin.group === undefined,
        'a 200 it could not read counts as made',
      );
      assert.deepEqual(
        (await groups.close(`${key5}-u`, 'gu')).map((m) => m.messageId),
        read.map((m) => m.messageId),
      );
      // Refused outright: nothing was written.
      const refusing = await updates(1, () =>
        dynamoDbError('UnrecognizedClientException', 'The security token is invalid'),
      );
      const before = await handOffItems();
      await assert.rejects(
        new DynamoDbCallGroups({ client: refusing.client, tableName: dynamodb.tableName }).join(
          key5,
          handOff([message(1)], NOW + 1_000),
          NOW,
        ),
        /security token/,
      );
      assert.equal(await handOffItems(), before, 'a refused join leaves no hand-off behind');

      const handed = await groups.close(key5, 'g');
      assert.deepEqual(
        handed.map((m) => m.messageId).sort(),
        [...lost, ...retried].map((m) => m.messageId).sort(),
      );
    });

    it('closes again after an answer lost while closing, and reads the same hand-offs', async () => {
      const key6 = `${content}-6`;
      const losingOnce = await faultyClient('UpdateItem', 1, (index) =>
        index === 1 ? 'lose' : 'forward',
      );
      const leader = new DynamoDbCallGroups({
        client: losingOnce.client,
        tableName: dynamodb.tableName,
      });
      await groups.open(key6, group('h', NOW + 1_000), NOW);
      const handedOver = [message(1)];
      await groups.join(key6, handOff(handedOver, NOW + 1_000), NOW);

      const handed = await leader.close(key6, 'h');

      assert.deepEqual(
        handed.map((m) => m.messageId),
        handedOver.map((m) => m.messageId),
      );
      assert.equal(await groups.open(key6, group('i', NOW + 2_000), NOW + 1_500), true, 'closed');
    });

    it('a leader whose open got no answer closes all the same, so what was handed to it goes', async () => {
      const queue = new EmptyQueue();
      const tried: string[] = [];
      const unanswered: CallGroups = {
        open: async () => {
          throw new UnknownOutcomeError('open a call group', new Error('socket hang up'));
        },
        join: async () => false,
        close: async () => [],
      };
      // A refusal proves nothing was opened: nothing to close.
      const refused: CallGroups = {
        ...unanswered,
        open: async () => {
          throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
        },
      };
      const refusedTried: string[] = [];
      // The same, when the open that got no answer came after a join was refused with 'retry'.
      let opens = 0;
      const unansweredLater: CallGroups = {
        ...unanswered,
        open: async (...args) => (opens++ === 0 ? false : unanswered.open(...args)),
        join: async () => 'retry',
      };
      const laterTried: string[] = [];

      const gathered = await gather(
        [message(1)],
        queue.options(recording(unanswered, tried), NOW + 300),
      );
      await gather([message(1)], queue.options(recording(refused, refusedTried), NOW + 600));
      await gather(
        [message(1)],
        queue.options(recording(unansweredLater, laterTried), queue.clock.now + 800),
      );

      assert.deepEqual(tried, ['open', 'close']);
      assert.deepEqual(refusedTried, ['open']);
      assert.deepEqual(laterTried, ['open', 'join', 'open', 'close']);
      assert.deepEqual(gathered, { handedOff: false, extra: [] });
    });

    it('reads an open whose answer was unreadable or a 5xx as unknown, and a refused one as refused', async () => {
      const key7 = `${content}-7`;
      let fault: 'unreadable' | 'failed' | 'throttle' = 'unreadable';
      const puts = await faultyClient('PutItem', 1, () => {
        if (fault === 'failed') {
          return { after: dynamoDbError('InternalServerError', 'Internal server error', 500) };
        }
        return fault === 'throttle' ? THROTTLED : 'garble';
      });
      const flaky = new DynamoDbCallGroups({ client: puts.client, tableName: dynamodb.tableName });

      await assert.rejects(flaky.open(key7, group('j', NOW + 1_000), NOW), UnknownOutcomeError);
      assert.deepEqual(await groups.close(key7, 'j'), [], 'it had landed: its leader can close it');
      fault = 'failed';
      await assert.rejects(
        flaky.open(`${key7}f`, group('jf', NOW + 1_000), NOW),
        UnknownOutcomeError,
      );
      assert.deepEqual(await groups.close(`${key7}f`, 'jf'), [], 'a 500 proves nothing either');
      fault = 'throttle';
      await assert.rejects(flaky.open(`${key7}b`, group('k', NOW + 1_000), NOW), /Rate exceeded/);
      await assert.rejects(groups.close(`${key7}b`, 'k'), CallGroupLostError, 'it had not');
    });

    it('marks a group closing again after a throttle, and says which hand-offs it could not read', async () => {
      const key8 = `${content}-8`;
      const throttledOnce = await faultyClient('UpdateItem', 1, (index) =>
        index === 1 ? THROTTLED : 'forward',
      );
      const unread: number[] = [];
      const leader = new DynamoDbCallGroups({
        client: throttledOnce.client,
        tableName: dynamodb.tableName,
        onUnread: (count) => unread.push(count),
      });
      await groups.open(key8, group('l', NOW + 1_000), NOW);
      const kept = [message(1)];
      const [gone, garbled] = [[message(1)], [message(1)]];
      for (const batch of [kept, gone, garbled]) {
        await groups.join(key8, handOff(batch, NOW + 1_000), NOW);
      }
      const { Items = [] } = await dynamodb.client.send(
        new ScanCommand({ TableName: dynamodb.tableName, ConsistentRead: true }),
      );
      const itemOf = (batch: ReceivedMessage[]) => {
        const item = Items.filter((each) => each.pk?.S?.startsWith('HANDOFF#')).find((each) =>
          each.messages?.S?.includes(`"${batch[0]?.messageId}"`),
        );
        assert.ok(item);
        return { pk: item.pk as AttributeValue, sk: item.sk as AttributeValue };
      };
      // One hand-off's item is gone (deleted by hand, or expired); another's is not JSON.
      await dynamodb.client.send(
        new DeleteItemCommand({ TableName: dynamodb.tableName, Key: itemOf(gone) }),
      );
      await dynamodb.client.send(
        new UpdateItemCommand({
          TableName: dynamodb.tableName,
          Key: itemOf(garbled),
          UpdateExpression: 'SET messages = :text',
          ExpressionAttributeValues: { ':text': { S: '[{"messageId": "m-' } },
        }),
      );

      const handed = await leader.close(key8, 'l');

      assert.deepEqual(
        handed.map((m) => m.messageId),
        kept.map((m) => m.messageId),
      );
      assert.deepEqual(unread, [2]);
    });
  });
});
