import {
  type AttributeValue,
  BatchGetItemCommand,
  BatchWriteItemCommand,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { backoffDelay } from '../../lib/backoff.ts';
import { groupsOf } from '../../lib/groups-of.ts';
import { runConcurrently } from '../../lib/run-concurrently.ts';
import { sleep } from '../../lib/sleep.ts';

type Item = Record<string, AttributeValue>;

/** What DynamoDB takes in one call. */
export const BATCH_LIMITS = { writeItems: 25, getKeys: 100 } as const;

const MAX_ROUNDS = 6;
const PARALLEL_CALLS = 10;

/** Throws when DynamoDB left work undone after every round. */
export class UnprocessedItemsError extends Error {
  readonly remaining: number;

  constructor(remaining: number) {
    super(`DynamoDB left ${remaining} items unprocessed after ${MAX_ROUNDS} rounds`);
    this.name = 'UnprocessedItemsError';
    this.remaining = remaining;
  }
}

/**
 * Sends items in groups, at most 10 calls at once, and sends again with backoff what each call
 * leaves unprocessed. Throws `UnprocessedItemsError` when some are still left after six rounds.
 */
async function inRounds<T>(
  items: readonly T[],
  groupSize: number,
  call: (group: T[]) => Promise<readonly T[]>,
): Promise<void> {
  let pending = [...items];
  for (let round = 1; pending.length > 0; round++) {
    if (round > MAX_ROUNDS) throw new UnprocessedItemsError(pending.length);
    if (round > 1) await sleep(backoffDelay(round - 1, { base: 50, max: 1_000 }));
    const left: T[] = [];
    await runConcurrently(groupsOf(pending, groupSize), PARALLEL_CALLS, async (group) => {
      left.push(...(await call(group)));
    });
    pending = left;
  }
}

/** Writes and deletes items with `BatchWriteItem`, 25 a call. Throws `UnprocessedItemsError`. */
export async function batchWrite(
  client: DynamoDBClient,
  tableName: string,
  requests: readonly WriteRequest[],
): Promise<void> {
  await inRounds(requests, BATCH_LIMITS.writeItems, async (group) => {
    const { UnprocessedItems } = await client.send(
      new BatchWriteItemCommand({ RequestItems: { [tableName]: group } }),
    );
    return UnprocessedItems?.[tableName] ?? [];
  });
}

/** Each key once: `BatchGetItem` refuses a whole call that lists one key twice. */
function distinctKeys(keys: readonly Item[]): Item[] {
  const seen = new Set<string>();
  return keys.filter((item) => {
    const id = JSON.stringify(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : 1)));
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/**
 * Reads items by key with `BatchGetItem`, 100 keys a call, each key asked for once; with
 * `consistentRead`, strongly consistent reads (at twice the read capacity). Resolves to the items
 * found, in no particular order. Throws `UnprocessedItemsError`.
 */
export async function batchGet(
  client: DynamoDBClient,
  tableName: string,
  keys: readonly Item[],
  options: { consistentRead?: boolean } = {},
): Promise<Item[]> {
  const found: Item[] = [];
  const consistent = options.consistentRead ? { ConsistentRead: true } : {};
  await inRounds(distinctKeys(keys), BATCH_LIMITS.getKeys, async (group) => {
    const { Responses, UnprocessedKeys } = await client.send(
      new BatchGetItemCommand({
        RequestItems: {
          [tableName]: { Keys: group, ...consistent },
        },
      }),
    );
    found.push(...(Responses?.[tableName] ?? []));
    return UnprocessedKeys?.[tableName]?.Keys ?? [];
  });
  return found;
}
