import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DeleteItemCommand, type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { createDynamoDbClient } from '../../shared/adapters/ledger/dynamodb-client.ts';
import {
  DynamoDbRateStore,
  RATE_STORE_TIMEOUTS,
} from '../../shared/adapters/ledger/dynamodb-rate-store.ts';
import { key, LEDGER_KEYS } from '../../shared/adapters/ledger/ledger-items.ts';
import { AdaptiveRateLimiter } from '../../shared/domain/adaptive-rate-limiter.ts';
import { SharedCallPacer } from '../../shared/domain/shared-call-pacer.ts';
import { SHARED_RATE_DEFAULTS } from '../../shared/domain/shared-rate.ts';
import { type DynamoDbContext, startDynamoDb } from '../helpers/ledger.ts';
import { TEST_CREDENTIALS, TEST_REGION } from '../helpers/sqs.ts';

const MAX_WAIT_MS = 2_000;

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** A DynamoDB client for dynalite at `endpoint`, with the worker's rate store timeouts. */
function rateClient(endpoint: string): DynamoDBClient {
  return createDynamoDbClient({
    endpoint,
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
    timeouts: RATE_STORE_TIMEOUTS,
  });
}

/** Counts the commands a client sends, by name. */
function countCommands(client: DynamoDBClient): Map<string, number> {
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? '';
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countCommands' },
  );
  return counts;
}

describe('the shared rate in the ledger table (dynalite)', () => {
  let dynamodb: DynamoDbContext;
  let scopes = 0;

  before(async () => {
    dynamodb = await startDynamoDb();
  });
  after(() => dynamodb.stop());

  /** Three environments, each with a pacer and a client of its own, sharing a fresh scope. */
  function environments(time: ReturnType<typeof clock>) {
    const scope = `Test${++scopes}`;
    const environment = () => {
      const client = rateClient(dynamodb.endpoint);
      const commands = countCommands(client);
      const store = new DynamoDbRateStore({ client, tableName: dynamodb.tableName, scope });
      const pacer = new SharedCallPacer({
        store,
        fallback: new AdaptiveRateLimiter(),
        now: time.now,
      });
      return { pacer, commands, store };
    };
    return { a: environment(), b: environment(), c: environment() };
  }

  it('spaces the calls of several environments on one schedule', async () => {
    const time = clock();
    const { a, b, c } = environments(time);

    const waits = [];
    for (const { pacer } of [a, b, c]) waits.push(await pacer.waitMs(MAX_WAIT_MS));

    assert.deepEqual(waits, [0, 50, 100]);
  });

  it('cuts the rate and pauses every environment after a throttle, revoking starts held ahead', async () => {
    const time = clock();
    const { a, b } = environments(time);
    for (let call = 0; call < 6; call++) {
      for (const { pacer } of [a, b]) {
        time.advance(await pacer.waitMs(MAX_WAIT_MS));
        assert.equal(await pacer.take(), true);
        await pacer.succeeded();
      }
    }
    time.advance(await a.pacer.waitMs(MAX_WAIT_MS));
    await a.pacer.take();
    const held = await b.pacer.waitMs(MAX_WAIT_MS);

    await a.pacer.throttled(1);
    time.advance(held);
    const taken = await b.pacer.take();
    const pause = await b.pacer.waitMs(MAX_WAIT_MS);
    time.advance(pause);
    await b.pacer.take();
    const spacing = await a.pacer.waitMs(MAX_WAIT_MS);
    const sustained = (await a.store.read())?.lastMaxRate ?? 0;

    assert.ok(held > 0 && held <= 50, `held ${held} ms ahead`);
    assert.equal(taken, false);
    assert.equal(pause, 1_000 - held);
    // 13 calls in about half a second, and a second of the service's bucket: over 8 a second.
    assert.ok(sustained > 8 && sustained < 9, `sustained ${sustained}`);
    const { beta } = SHARED_RATE_DEFAULTS;
    assert.ok(spacing > 1000 / sustained && spacing <= 1000 / (beta * sustained), `${spacing}`);
  });

  it('costs one update a call when the schedule is as last seen, and one read more for a start held ahead', async () => {
    const time = clock();
    const { a, b } = environments(time);
    for (const { pacer } of [a, b]) await pacer.waitMs(MAX_WAIT_MS);
    time.advance(60);
    for (const { pacer, commands } of [a, b]) {
      await pacer.take();
      await pacer.succeeded();
      commands.clear();
    }

    // a is alone on an idle schedule: its start is now, and nothing is checked.
    time.advance(5_000);
    await a.pacer.waitMs(MAX_WAIT_MS);
    await a.pacer.take();
    // b last saw an idle schedule that a has just taken: a wrong guess, then a start held ahead.
    time.advance(await b.pacer.waitMs(MAX_WAIT_MS));
    await b.pacer.take();

    assert.deepEqual(Object.fromEntries(a.commands), { UpdateItemCommand: 1 });
    assert.deepEqual(Object.fromEntries(b.commands), { UpdateItemCommand: 2, GetItemCommand: 2 });
  });

  it('creates the rate item again when it is deleted under warm environments, and paces on', async () => {
    const time = clock();
    const { a, b } = environments(time);
    const scope = `Test${scopes}`;
    for (const { pacer } of [a, b]) {
      time.advance(await pacer.waitMs(MAX_WAIT_MS));
      assert.equal(await pacer.take(), true);
    }
    await dynamodb.client.send(
      new DeleteItemCommand({ TableName: dynamodb.tableName, Key: key(LEDGER_KEYS.rate(scope)) }),
    );

    const waits = [await a.pacer.waitMs(MAX_WAIT_MS), await b.pacer.waitMs(MAX_WAIT_MS)];
    const taken = [await a.pacer.take(), await b.pacer.take()];

    assert.deepEqual(waits, [0, 50]);
    assert.deepEqual(taken, [true, true]);
    assert.equal(a.pacer.alone, false, 'still on the shared schedule');
    assert.equal((await a.store.read())?.calls, 2);
  });

  it('writes afresh a rate item without a schedule, which no update could ever match', async () => {
    const time = clock();
    const { a } = environments(time);
    await dynamodb.client.send(
      new PutItemCommand({
        TableName: dynamodb.tableName,
        Item: { ...key(LEDGER_KEYS.rate(`Test${scopes}`)), nextAt: { N: String(time.now()) } },
      }),
    );

    const wait = await a.pacer.waitMs(MAX_WAIT_MS);

    assert.equal(wait, 0);
    assert.equal(await a.pacer.take(), true);
    assert.equal(a.pacer.alone, false);
    assert.equal((await a.store.read())?.epoch, 0);
  });
});

describe('the shared rate when dynalite is stopped', () => {
  it('paces each environment alone, never stopping the calls, and returns to the table once it answers', async () => {
    const first = await startDynamoDb();
    const port = Number(new URL(first.endpoint).port);
    const time = clock();
    const client = rateClient(first.endpoint);
    const commands = countCommands(client);
    const errors: unknown[] = [];
    const pacer = new SharedCallPacer({
      store: new DynamoDbRateStore({ client, tableName: first.tableName, scope: 'Outage' }),
      fallback: new AdaptiveRateLimiter({ now: time.now }),
      retryStoreAfterMs: 10_000,
      onStoreError: (error) => errors.push(error),
      now: time.now,
    });
    await pacer.waitMs(MAX_WAIT_MS);
    await pacer.take();
    await first.stop();

    const whileDown: boolean[] = [];
    for (let call = 0; call < 5; call++) {
      time.advance(await pacer.waitMs(MAX_WAIT_MS));
      whileDown.push(await pacer.take());
      await pacer.succeeded();
      time.advance(100);
    }
    const callsWhileDown = commands.get('UpdateItemCommand');
    const second = await startDynamoDb({ port });
    time.advance(10_000);
    const back = await pacer.waitMs(MAX_WAIT_MS);
    const takenBack = await pacer.take();

    try {
      assert.deepEqual(whileDown, [true, true, true, true, true]);
      assert.equal(errors.length, 1);
      assert.equal(pacer.alone, false);
      assert.equal(back, 0);
      assert.equal(takenBack, true);
      // The new table is empty: the update that expected the old item, then the one creating it.
      assert.equal(commands.get('UpdateItemCommand'), (callsWhileDown ?? 0) + 2);
    } finally {
      client.destroy();
      await second.stop();
    }
  });
});
