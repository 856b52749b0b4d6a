import {
  type DynamoDBClient,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { historyShardOf, INVITE_HISTORY_SHARDS } from '../../domain/invite-history.ts';
import type { InviteHistory } from '../../domain/ports.ts';
import { runUntilFailure } from '../../lib/run-concurrently.ts';
import { batchGet, batchWrite } from './batch-calls.ts';
import { key, LEDGER_KEYS, n, num, str, ttl } from './ledger-items.ts';

/**
 * When accessors were last invited, in the ledger table: one item per space and accessor,
 * read 100 keys a call and written 25 a call, only after a successful SendInvites call.
 */
export class DynamoDbInviteHistory implements InviteHistory {
  readonly #client: DynamoDBClient;
  readonly #tableName: string;

  constructor(options: { client: DynamoDBClient; tableName: string }) {
    this.#client = options.client;
    this.#tableName = options.tableName;
  }

  async invitedSince(
    spaceId: string,
    accessorIds: readonly string[],
    since: number,
    now: number,
  ): Promise<Map<string, string | undefined>> {
    if (accessorIds.length === 0) return new Map();
    const items = await batchGet(
      this.#client,
      this.#tableName,
      accessorIds.map((id) => key(LEDGER_KEYS.invited(spaceId, historyShardOf(id), id))),
    );
    // TTL deletes late (dynalite never): a record past its expiry counts as gone at once, so
    // the answer never hangs on when TTL runs (a window raised since, say).
    return new Map(
      items
        .filter(
          (item) => (num(item, 'invitedAt') ?? 0) >= since && (num(item, 'expiresAt') ?? 0) > now,
        )
        .map((item) => [str(item, 'sk') ?? '', str(item, 'requestId')]),
    );
  }

  async remember(
    spaceId: string,
    accessorIds: readonly string[],
    at: number,
    expiresAt: number,
    requestIdOf?: (accessorId: string) => string | undefined,
  ): Promise<void> {
    const puts: WriteRequest[] = accessorIds.map((id) => {
      const requestId = requestIdOf?.(id);
      return {
        PutRequest: {
          Item: {
            ...key(LEDGER_KEYS.invited(spaceId, historyShardOf(id), id)),
            invitedAt: n(at),
            expiresAt: n(expiresAt),
            ttl: ttl(expiresAt),
            ...(requestId === undefined ? {} : { requestId: { S: requestId } }),
          },
        },
      };
    });
    await batchWrite(this.#client, this.#tableName, puts);
  }

  /**
   * When one accessor was last invited to the space, and by which request (none for records
   * written before requests were kept with them); undefined when there is no record or it expired.
   */
  async lastInvite(
    spaceId: string,
    accessorId: string,
    now: number,
  ): Promise<{ invitedAt: number; expiresAt: number; requestId?: string } | undefined> {
    const [item] = await batchGet(this.#client, this.#tableName, [
      key(LEDGER_KEYS.invited(spaceId, historyShardOf(accessorId), accessorId)),
    ]);
    const invitedAt = num(item, 'invitedAt');
    const expiresAt = num(item, 'expiresAt');
    // TTL deletes late (dynalite never): a record past its window counts as gone.
    if (invitedAt === undefined || expiresAt === undefined || expiresAt <= now) return undefined;
    const requestId = str(item, 'requestId');
    return { invitedAt, expiresAt, ...(requestId === undefined ? {} : { requestId }) };
  }

  /**
   * Forgets every record of a space (after the space was recreated, say), shard by shard;
   * `onProgress` hears the running count. Resolves to how many records were deleted. After a
   * failed call no other page is deleted, and the failure is thrown once every shard has stopped:
   * `onProgress` has heard how many were deleted by then.
   */
  async forgetSpace(spaceId: string, onProgress?: (deleted: number) => void): Promise<number> {
    let deleted = 0;
    const shards = Array.from({ length: INVITE_HISTORY_SHARDS }, (_, shard) => shard);
    await runUntilFailure(shards, 4, async (shard, stopped) => {
      for await (const page of this.#shardPages(spaceId, shard, {
        ProjectionExpression: 'pk, sk',
      })) {
        if (stopped()) return;
        const keys = (page.Items ?? []).map((item) => ({
          DeleteRequest: { Key: { pk: item.pk, sk: item.sk } },
        }));
        if (keys.length > 0)
          await batchWrite(this.#client, this.#tableName, keys as WriteRequest[]);
        deleted += keys.length;
        onProgress?.(deleted);
      }
    });
    return deleted;
  }

  /** How many records a space has, for a look before forgetting it. */
  async countSpace(spaceId: string): Promise<number> {
    let count = 0;
    for (let shard = 0; shard < INVITE_HISTORY_SHARDS; shard++) {
      for await (const page of this.#shardPages(spaceId, shard, { Select: 'COUNT' })) {
        count += page.Count ?? 0;
      }
    }
    return count;
  }

  /** Every page of one shard of a space's records. */
  async *#shardPages(
    spaceId: string,
    shard: number,
    read: Pick<QueryCommandInput, 'ProjectionExpression' | 'Select'>,
  ): AsyncGenerator<QueryCommandOutput> {
    let exclusiveStart: QueryCommandInput['ExclusiveStartKey'];
    do {
      const page = await this.#client.send(
        new QueryCommand({
          TableName: this.#tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: LEDGER_KEYS.invitedShard(spaceId, shard) } },
          ...read,
          ...(exclusiveStart ? { ExclusiveStartKey: exclusiveStart } : {}),
        }),
      );
      yield page;
      exclusiveStart = page.LastEvaluatedKey;
    } while (exclusiveStart !== undefined);
  }
}
