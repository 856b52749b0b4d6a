import { createHash, randomUUID } from 'node:crypto';
import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { ReceivedMessage } from '../../domain/delivery.ts';
import { UnknownOutcomeError } from '../../domain/errors.ts';
import type { CallGroups, HandOff, Joined } from '../../domain/ports.ts';
import { batchGet } from './batch-calls.ts';
import { isConditionFailure, key, LEDGER_KEYS, n, num, s, str, ttl } from './ledger-items.ts';

type Item = Record<string, AttributeValue>;

/**
 * The client the groups need: one attempt a call, a second at most. A join the SDK sent again
 * after its first attempt landed could land in the next group of the content as well, and the
 * batch would be sent twice; so a call is never repeated blindly, and one whose outcome is
 * unknown is read as it is safest to (see `join` and `close`).
 */
export const CALL_GROUP_TIMEOUTS = { requestTimeoutMs: 1_000, maxAttempts: 1 } as const;
/** A hand-off item holds at most 400 KB: a batch larger than this goes alone. */
export const MAX_HAND_OFF_BYTES = 300 * 1024;
/**
 * How long after it should have closed a group stays its leader's: only then may another worker
 * open one in its place, if its leader never marked it closed (it failed while closing).
 */
export const GROUP_GRACE_MS = 60_000;
/**
 * How long past its close a group's leader is taken to be closing it still: a batch it refuses
 * meanwhile tries again in a moment (`'retry'`); later, the leader has most likely failed, and
 * the batch goes alone at once.
 */
export const LATE_CLOSE_MS = 1_000;
/** Group and hand-off items outlive their call by this much, then TTL removes them. */
const ITEM_LIFETIME_MS = 60 * 60_000;

/** The leader of a group could not close it: another group had replaced it. */
export class CallGroupLostError extends Error {
  constructor() {
    super('The call group was replaced before its leader closed it');
    this.name = 'CallGroupLostError';
  }
}

/** The key part naming a content's group: its SHA-256. */
export function groupHash(contentKey: string): string {
  return createHash('sha256').update(contentKey).digest('base64url');
}

/**
 * Call groups as ledger items: `GROUP#<content hash>` names the open group, its leader's token,
 * when it closes, the room it has left and the tokens of the hand-offs it took (a string set).
 * Each hand-off's messages are an item of their own, `HANDOFF#<token>`, written before it is
 * added to the group, so a leader that reads the group once closed finds every one of them.
 * Closing goes through `closing`, a state no other worker may replace, so a leader can read its
 * hand-offs again; only once it has them is the group `closed` and open to the next leader.
 */
export class DynamoDbCallGroups implements CallGroups {
  readonly #client: DynamoDBClient;
  readonly #tableName: string;
  readonly #onUnread: ((count: number) => void) | undefined;
  readonly #onLeftClosing: ((error: unknown) => void) | undefined;

  /**
   * `client`: one attempt a call (`CALL_GROUP_TIMEOUTS`). `onUnread`: told of hand-offs a closed
   * group listed but whose messages could not be read (gone, or not shaped as messages); they
   * come back after their visibility timeout. `onLeftClosing`: told when a group read could not
   * be marked `closed`: small batches of its content go alone until it is stale.
   */
  constructor(options: {
    client: DynamoDBClient;
    tableName: string;
    onUnread?: (count: number) => void;
    onLeftClosing?: (error: unknown) => void;
  }) {
    this.#client = options.client;
    this.#tableName = options.tableName;
    this.#onUnread = options.onUnread;
    this.#onLeftClosing = options.onLeftClosing;
  }

  async open(
    contentKey: string,
    group: { token: string; closesAt: number; room: number; bytesLeft: number },
    now: number,
  ): Promise<boolean> {
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#tableName,
          Item: {
            ...key(LEDGER_KEYS.group(groupHash(contentKey))),
            state: s('open'),
            token: s(group.token),
            closesAt: n(group.closesAt),
            room: n(group.room),
            bytesLeft: n(group.bytesLeft),
            ttl: ttl(group.closesAt + ITEM_LIFETIME_MS),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR #state = :closed OR closesAt < :stale',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':closed': s('closed'),
            ':stale': n(now - GROUP_GRACE_MS),
          },
        }),
      );
      return true;
    } catch (error) {
      if (!mayHaveLanded(error)) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
      throw new UnknownOutcomeError('open a call group', error);
    }
  }

  /**
   * Writes the hand-off, then adds it to the group if the group is open, closes in time and has
   * room. A join whose outcome is unknown (no answer, a 5xx) counts as made, its group unknown:
   * the messages then wait out their visibility timeout at worst, where sending them here could
   * send them twice. A refused join reads the group once: `'retry'` when trying again in a moment
   * may open or join one (see `takesSoon`), `false` when the batch had better go alone.
   */
  async join(contentKey: string, handOff: HandOff, now: number): Promise<Joined | false | 'retry'> {
    const messages = JSON.stringify(handOff.messages);
    if (Buffer.byteLength(messages) > MAX_HAND_OFF_BYTES) return false;
    const member = randomUUID();
    const memberKey = key(LEDGER_KEYS.handOff(member));
    await this.#client.send(
      new PutItemCommand({
        TableName: this.#tableName,
        Item: { ...memberKey, messages: s(messages), ttl: ttl(now + ITEM_LIFETIME_MS) },
      }),
    );
    try {
      const { Attributes } = await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#tableName,
          Key: key(LEDGER_KEYS.group(groupHash(contentKey))),
          UpdateExpression: 'ADD members :member SET room = room - :n, bytesLeft = bytesLeft - :b',
          ConditionExpression:
            '#state = :open AND closesAt > :now AND closesAt <= :latest AND room >= :n AND bytesLeft >= :b',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':member': { SS: [member] },
            ':open': s('open'),
            ':now': n(now),
            ':latest': n(handOff.latestClose),
            ':n': n(handOff.accessors),
            ':b': n(handOff.bytes),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { group: str(Attributes, 'token') };
    } catch (error) {
      if (mayHaveLanded(error)) return { group: undefined, error };
      if (!isConditionFailure(error)) {
        await this.#forget(memberKey);
        throw error;
      }
      // The read and the hand-off's deletion at once; a failed read is reported once both end.
      const [refusal] = await Promise.allSettled([
        this.#refusal(contentKey, handOff, now),
        this.#forget(memberKey),
      ]);
      if (refusal.status === 'rejected') throw refusal.reason;
      return refusal.value;
    }
  }

  /**
   * Why the content's group refused `handOff` at `now`, as it reads just after: `'retry'` when
   * trying again in a moment may open or join a group (`takesSoon`), else `false`.
   */
  async #refusal(contentKey: string, handOff: HandOff, now: number): Promise<false | 'retry'> {
    const { Item } = await this.#client.send(
      new GetItemCommand({
        TableName: this.#tableName,
        Key: key(LEDGER_KEYS.group(groupHash(contentKey))),
        ConsistentRead: true,
        ProjectionExpression: '#state, closesAt, closingAt, room, bytesLeft',
        ExpressionAttributeNames: { '#state': 'state' },
      }),
    );
    return takesSoon(Item, handOff, now) ? 'retry' : false;
  }

  /** Deletes a hand-off no group took (no leader will read it); TTL does if this fails. */
  async #forget(memberKey: Item): Promise<void> {
    await this.#client
      .send(new DeleteItemCommand({ TableName: this.#tableName, Key: memberKey }))
      .catch(() => undefined);
  }

  /**
   * Closes the group and reads what was handed to it: marks it `closing` (no join is taken after,
   * and no other worker may replace it), reads its hand-offs, and marks it `closed`. A mark
   * whose outcome is unknown is made again, once. Throws `CallGroupLostError` when another group
   * has replaced this one (its leader came back after `GROUP_GRACE_MS`). The `closing` mark notes
   * `now` (`closingAt`): a group left `closing` longer than `LATE_CLOSE_MS` sends batches alone.
   */
  async close(contentKey: string, token: string, now = Date.now()): Promise<ReceivedMessage[]> {
    const groupKey = key(LEDGER_KEYS.group(groupHash(contentKey)));
    const mark = (state: 'closing' | 'closed') =>
      new UpdateItemCommand({
        TableName: this.#tableName,
        Key: groupKey,
        UpdateExpression:
          state === 'closing' ? 'SET #state = :state, closingAt = :now' : 'SET #state = :state',
        ConditionExpression: '#token = :token',
        ExpressionAttributeNames: { '#state': 'state', '#token': 'token' },
        ExpressionAttributeValues: {
          ':state': s(state),
          ':token': s(token),
          ...(state === 'closing' ? { ':now': n(now) } : {}),
        },
        ReturnValues: 'ALL_NEW',
      });
    let group: Item | undefined;
    try {
      // Safe to make again: after a throttle, or an answer lost after the mark landed.
      ({ Attributes: group } = await this.#client.send(mark('closing')).catch((error: unknown) => {
        if (isConditionFailure(error) && !mayHaveLanded(error)) throw error;
        return this.#client.send(mark('closing'));
      }));
    } catch (error) {
      if (isConditionFailure(error)) throw new CallGroupLostError();
      throw error;
    }
    const members = group?.members?.SS ?? [];
    const [items] = await Promise.all([
      members.length === 0
        ? []
        : batchGet(
            this.#client,
            this.#tableName,
            members.map((member) => key(LEDGER_KEYS.handOff(member))),
            { consistentRead: true },
          ),
      // Left `closing` if this fails: the next group of the content opens after the grace.
      this.#client.send(mark('closed')).catch((error: unknown) => this.#onLeftClosing?.(error)),
    ]);
    const handed = items.map((item) => messagesOf(str(item, 'messages')));
    const unread = members.length - handed.filter((messages) => messages.length > 0).length;
    if (unread > 0) this.#onUnread?.(unread);
    return handed.flat();
  }
}

/** The messages of a hand-off item; what is not shaped as one is left out. */
function messagesOf(json: string | undefined): ReceivedMessage[] {
  if (json === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    // Counted as unread: SQS brings its messages back in time, and the rest still go.
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.filter(
    (message): message is ReceivedMessage =>
      typeof message?.messageId === 'string' &&
      typeof message.receiptHandle === 'string' &&
      typeof message.body === 'string' &&
      typeof message.receiveCount === 'number',
  );
}

/**
 * Whether a group item, read just after it refused `handOff` at `now`, may take it in a moment:
 * there is none or it is closed (a group can open), it now has time and room for it (it changed
 * since), or its leader is closing it: its close passed, or its leader marked it `closing`, less
 * than `LATE_CLOSE_MS` ago. A group open in time but without room, or closing after the batch's
 * window, will not; nor one whose leader is later than that (most likely failed: others open
 * after `GROUP_GRACE_MS`).
 */
function takesSoon(item: Item | undefined, handOff: HandOff, now: number): boolean {
  const state = str(item, 'state');
  if (state === undefined || state === 'closed') return true;
  const closesAt = num(item, 'closesAt') ?? 0;
  if (state === 'closing') return (num(item, 'closingAt') ?? closesAt) > now - LATE_CLOSE_MS;
  if (closesAt <= now) return closesAt > now - LATE_CLOSE_MS;
  return (
    closesAt <= handOff.latestClose &&
    (num(item, 'room') ?? 0) >= handOff.accessors &&
    (num(item, 'bytesLeft') ?? 0) >= handOff.bytes
  );
}

/**
 * Whether a failed write may still have landed: no answer came (a timeout, a dropped
 * connection), an answer of success could not be read, the service failed (5xx), or the SDK sent
 * it more than once (the refusal is the last attempt's). Only a 4xx refusal of a single attempt,
 * a throttle included, proves nothing changed.
 */
function mayHaveLanded(error: unknown): boolean {
  const metadata = (error as { $metadata?: { httpStatusCode?: number; attempts?: number } } | null)
    ?.$metadata;
  const status = metadata?.httpStatusCode;
  return status === undefined || status < 400 || status >= 500 || (metadata?.attempts ?? 1) > 1;
}
