import {
  type AttributeValue,
  BatchWriteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type {
  IdempotencyRecord,
  IdempotencyState,
  IdempotencyStore,
  KeyTakeOver,
} from '../../domain/idempotency-record.ts';
import type { RequestLedger } from '../../domain/ports.ts';
import type { PartOutcome, RequestRecord } from '../../domain/request-record.ts';
import { batchWrite } from './batch-calls.ts';
import { DynamoDbOutcomes } from './dynamodb-outcomes.ts';
import { isConditionFailure, key, LEDGER_KEYS, n, num, s, str, ttl } from './ledger-items.ts';

type Item = Record<string, AttributeValue>;

/** How long a failed new request's clean-up may take, retries included. */
const CLEAN_UP_MS = 1_000;

/** The request ledger as the intake writes it: idempotency keys, requests, refused parts. */
export class DynamoDbRequestLedger implements IdempotencyStore, RequestLedger {
  readonly #client: DynamoDBClient;
  readonly #tableName: string;
  readonly #outcomes: DynamoDbOutcomes;

  constructor(options: { client: DynamoDBClient; tableName: string }) {
    this.#client = options.client;
    this.#tableName = options.tableName;
    this.#outcomes = new DynamoDbOutcomes(options);
  }

  async claim(
    hash: string,
    record: IdempotencyRecord,
    expiresAt: number,
    now: number,
  ): Promise<IdempotencyRecord | undefined> {
    // The holder may be deleted between a refused put and the read; then the key is free again.
    for (;;) {
      try {
        await this.#client.send(
          new PutItemCommand({
            TableName: this.#tableName,
            Item: {
              ...key(LEDGER_KEYS.idempotency(hash)),
              ...idempotencyAttributes(record),
              expiresAt: n(expiresAt),
              ttl: ttl(expiresAt),
            },
            // A key past its expiry is free again, whether or not TTL has deleted it yet.
            ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
            ExpressionAttributeValues: { ':now': n(now) },
          }),
        );
        return undefined;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      const { Item } = await this.#client.send(
        new GetItemCommand({
          TableName: this.#tableName,
          Key: key(LEDGER_KEYS.idempotency(hash)),
          ConsistentRead: true,
        }),
      );
      if (Item === undefined) continue;
      const holder = readIdempotency(Item);
      // This very claim, landed before its answer was lost and the SDK sent it again.
      if (holder.attempt === record.attempt) return undefined;
      return holder;
    }
  }

  async takeOver(hash: string, expected: IdempotencyRecord, taken: KeyTakeOver): Promise<boolean> {
    const { attempt, lockedUntil, expiresAt } = taken;
    return this.#updateIf(
      new UpdateItemCommand({
        TableName: this.#tableName,
        Key: key(LEDGER_KEYS.idempotency(hash)),
        UpdateExpression:
          'SET #state = :inProgress, lockedUntil = :lockedUntil, attempt = :attempt, ' +
          'expiresAt = :expiresAt, #ttl = :ttl',
        // Exactly as read: the same attempt left it in the same state, so two take-overs of
        // one read cannot both pass. A key written before attempts were recorded has none. Or
        // this very take-over, landed before its answer was lost and the SDK sent it again.
        ConditionExpression:
          `(${expected.attempt === '' ? 'attribute_not_exists(attempt)' : 'attempt = :expectedAttempt'} ` +
          'AND #state = :state AND lockedUntil = :expectedLock AND queuedParts = :expectedParts) ' +
          'OR attempt = :attempt',
        ExpressionAttributeNames: { '#state': 'state', '#ttl': 'ttl' },
        ExpressionAttributeValues: {
          ':inProgress': s('inProgress'),
          ':lockedUntil': n(lockedUntil),
          ':attempt': s(attempt),
          ':expiresAt': n(expiresAt),
          ':ttl': ttl(expiresAt),
          ':state': s(expected.state),
          ':expectedLock': n(expected.lockedUntil),
          ':expectedParts': s(expected.queuedParts.join(',')),
          ...(expected.attempt === '' ? {} : { ':expectedAttempt': s(expected.attempt) }),
        },
      }),
    );
  }

  async settle(hash: string, record: IdempotencyRecord): Promise<boolean> {
    const attributes = idempotencyAttributes(record);
    return this.#updateIf(
      new UpdateItemCommand({
        TableName: this.#tableName,
        Key: key(LEDGER_KEYS.idempotency(hash)),
        UpdateExpression:
          'SET #state = :state, lockedUntil = :lockedUntil, accessorCount = :accessorCount, ' +
          'messageCount = :messageCount, queuedParts = :queuedParts',
        // Only while this attempt holds the key: never over the attempt that took it over.
        ConditionExpression: 'attempt = :attempt',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':attempt': attributes.attempt as AttributeValue,
          ':state': attributes.state as AttributeValue,
          ':lockedUntil': attributes.lockedUntil as AttributeValue,
          ':accessorCount': attributes.accessorCount as AttributeValue,
          ':messageCount': attributes.messageCount as AttributeValue,
          ':queuedParts': attributes.queuedParts as AttributeValue,
        },
      }),
    );
  }

  /** Sends a conditional update; false, with nothing written, when its condition fails. */
  async #updateIf(command: UpdateItemCommand): Promise<boolean> {
    try {
      await this.#client.send(command);
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async recordRequest(record: RequestRecord, options: { isNew?: boolean } = {}): Promise<void> {
    const attributes = {
      requestId: s(record.requestId),
      spaceId: s(record.spaceId),
      source: s(record.source),
      requestedBy: s(record.requestedBy),
      accessorCount: n(record.accessorCount),
      partCount: n(record.partCount),
      createdAt: n(record.createdAt),
      expiresAt: n(record.expiresAt),
      ttl: ttl(record.expiresAt),
    };
    if (options.isNew) {
      // Nothing to keep: the request and its day's entry in one call, one round trip.
      const keys = [
        key(LEDGER_KEYS.request(record.requestId)),
        key(LEDGER_KEYS.day(record.createdAt, record.requestId)),
      ];
      try {
        await batchWrite(
          this.#client,
          this.#tableName,
          keys.map((itemKey) => ({ PutRequest: { Item: { ...itemKey, ...attributes } } })),
        );
      } catch (error) {
        // The call is not atomic: one item may have landed. A day's entry without its request
        // would list a request nobody can ask about, so both are deleted if that can be done
        // quickly: the caller's 503 must not wait on a ledger that is down.
        await this.#client
          .send(
            new BatchWriteItemCommand({
              RequestItems: {
                [this.#tableName]: keys.map((itemKey) => ({ DeleteRequest: { Key: itemKey } })),
              },
            }),
            { abortSignal: AbortSignal.timeout(CLEAN_UP_MS) },
          )
          .catch(() => undefined);
        throw error;
      }
      return;
    }
    let listed: { createdAt: number; attributes: Item } = {
      createdAt: record.createdAt,
      attributes,
    };
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#tableName,
          Item: { ...key(LEDGER_KEYS.request(record.requestId)), ...attributes },
          // A resumed request, or a redelivered HR event, keeps its first record.
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // Kept from an earlier attempt (or this very one, landed before its answer was lost and
      // the SDK sent it again). That attempt may have ended before listing it under its day:
      // the first record is listed (again) here.
      const { Item } = await this.#client.send(
        new GetItemCommand({
          TableName: this.#tableName,
          Key: key(LEDGER_KEYS.request(record.requestId)),
          ConsistentRead: true,
        }),
      );
      const createdAt = num(Item, 'createdAt');
      if (Item === undefined || createdAt === undefined) return;
      const { pk: _pk, sk: _sk, ...first } = Item;
      listed = { createdAt, attributes: first };
    }
    // The day's list, for operators; the request itself is what the status reads.
    await this.#client.send(
      new PutItemCommand({
        TableName: this.#tableName,
        Item: { ...key(LEDGER_KEYS.day(listed.createdAt, record.requestId)), ...listed.attributes },
      }),
    );
  }

  recordOutcome(outcome: PartOutcome, expiresAt: number): Promise<void> {
    return this.#outcomes.recordOutcome(outcome, expiresAt);
  }

  clearOutcomes(requestId: string, parts: readonly number[]): Promise<void> {
    return this.#outcomes.clearOutcomes(requestId, parts);
  }
}

function idempotencyAttributes(record: IdempotencyRecord): Item {
  return {
    fingerprint: s(record.fingerprint),
    requestId: s(record.requestId),
    attempt: s(record.attempt),
    state: s(record.state),
    lockedUntil: n(record.lockedUntil),
    accessorCount: n(record.accessorCount),
    messageCount: n(record.messageCount),
    // A compact list: a request of a million accessors has a thousand parts.
    queuedParts: s(record.queuedParts.join(',')),
    ...(record.maxMessageBytes === undefined ? {} : { maxMessageBytes: n(record.maxMessageBytes) }),
  };
}

function readIdempotency(item: Item): IdempotencyRecord {
  const parts = str(item, 'queuedParts') ?? '';
  const maxMessageBytes = num(item, 'maxMessageBytes');
  return {
    fingerprint: str(item, 'fingerprint') ?? '',
    requestId: str(item, 'requestId') ?? '',
    // Empty for a key written before attempts were recorded.
    attempt: str(item, 'attempt') ?? '',
    state: (str(item, 'state') ?? 'inProgress') as IdempotencyState,
    lockedUntil: num(item, 'lockedUntil') ?? 0,
    accessorCount: num(item, 'accessorCount') ?? 0,
    messageCount: num(item, 'messageCount') ?? 0,
    queuedParts: parts === '' ? [] : parts.split(',').map(Number),
    ...(maxMessageBytes === undefined ? {} : { maxMessageBytes }),
  };
}
