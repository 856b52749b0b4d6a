import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BatchWriteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  InvalidCursorError,
  LedgerRequestList,
} from '../../../scripts/console/ledger-request-list.ts';
import { key, LEDGER_KEYS } from '../../../shared/adapters/ledger/ledger-items.ts';
import { groupsOf } from '../../../shared/lib/groups-of.ts';
import { type DynamoDbContext, startDynamoDb } from '../../helpers/ledger.ts';
import { TEST_CREDENTIALS, TEST_REGION } from '../../helpers/sqs.ts';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const DAY_MS = 86_400_000;

describe("the console's request list (dynalite)", () => {
  let dynamodb: DynamoDbContext;
  let queries = 0;
  let list: LedgerRequestList;

  before(async () => {
    dynamodb = await startDynamoDb();
    const client = new DynamoDBClient({
      endpoint: dynamodb.endpoint,
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
    });
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'QueryCommand') queries++;
        return next(args);
      },
      { step: 'initialize', name: 'countQueries' },
    );
    list = new LedgerRequestList({ client, tableName: dynamodb.tableName, now: () => NOW });
    // 300 requests a day for the last three days, all to another space.
    const items = [0, 1, 2].flatMap((day) =>
      Array.from({ length: 300 }, (_, index) => {
        const createdAt = NOW - day * DAY_MS - index * 1_000;
        const requestId = `req-${day}-${index}`;
        return {
          ...key(LEDGER_KEYS.day(createdAt, requestId)),
          requestId: { S: requestId },
          spaceId: { S: 'SPOTHER' },
          createdAt: { N: String(createdAt) },
          expiresAt: { N: String(NOW + 30 * DAY_MS) },
        };
      }),
    );
    for (const group of groupsOf(items, 25)) {
      await dynamodb.client.send(
        new BatchWriteItemCommand({
          RequestItems: { [dynamodb.tableName]: group.map((Item) => ({ PutRequest: { Item } })) },
        }),
      );
    }
  });
  after(() => dynamodb.stop());

  it('stops a page after reading its share of the table, even when the space filter keeps nothing', async () => {
    queries = 0;

    const page = await list.page({ limit: 25, spaceId: 'SPNOMATCH' });

    assert.deepEqual(page.rows, []);
    assert.ok(page.nextCursor, 'the page says there is more to look at');
    assert.ok(queries <= 20, `${queries} queries for one page`);
  });

  it('refuses a cursor for a day that cannot be, or is still to come', async () => {
    const cursor = (day: string) => Buffer.from(JSON.stringify({ day })).toString('base64url');

    for (const day of ['2026-13-01', '2026-02-30', '2026-12-02', '9999-12-31']) {
      await assert.rejects(list.page({ limit: 25, cursor: cursor(day) }), InvalidCursorError, day);
    }
  });
});
