import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import type {
  RateCut,
  RateReservation,
  SharedRateState,
  SharedRateStore,
} from '../../domain/ports.ts';
import { isConditionFailure, key, LEDGER_KEYS, n, num } from './ledger-items.ts';

type Item = Record<string, AttributeValue>;

const MAX_ATTEMPTS = 3;

/**
 * How long the store's client may take: pacing must not stall on it, so a slow or failing call
 * soon counts as failed and the worker paces alone (`SharedCallPacer`).
 */
export const RATE_STORE_TIMEOUTS = { requestTimeoutMs: 1_000, maxAttempts: 2 } as const;

/**
 * The shared rate as one ledger item, `RATE#<scope>`. DynamoDB has no `max()`, so a start is
 * taken by one of three conditional updates, chosen by what the caller last saw: the schedule
 * runs ahead of now (the start is its end), or has ended (the start is now, a run of
 * back-to-back starts begins), long enough ago to measure the spell afresh. A wrong guess costs
 * a consistent read and a second update.
 */
export class DynamoDbRateStore implements SharedRateStore {
  readonly #client: DynamoDBClient;
  readonly #tableName: string;
  readonly #key: Item;

  constructor(options: { client: DynamoDBClient; tableName: string; scope: string }) {
    this.#client = options.client;
    this.#tableName = options.tableName;
    this.#key = key(LEDGER_KEYS.rate(options.scope));
  }

  async read(): Promise<SharedRateState | undefined> {
    const { Item } = await this.#client.send(
      new GetItemCommand({ TableName: this.#tableName, Key: this.#key, ConsistentRead: true }),
    );
    return Item === undefined ? undefined : stateOf(Item);
  }

  /**
   * Takes a start as `request.expected` says the schedule stands, reading it again after a wrong
   * guess. An item that has gone (deleted by hand, a restore) is created afresh, however warm
   * the caller; one that keeps failing every condition fails the call, so the caller paces alone.
   */

  async reserve(request: RateReservation): Promise<{ startAt?: number; state: SharedRateState }> {
    let seen = request.expected;
    for (let attempt = 1; ; attempt++) {
      const epochMoved = seen?.epoch !== request.expected?.epoch;
      if (seen !== undefined && (epochMoved || seen.nextAt > request.latestStart)) {
        return { state: seen };
      }
      try {
        const { Attributes } = await this.#client.send(
          new UpdateItemCommand(this.#reservation(seen, request)),
        );
        // Each update sets the schedule or needs it there, so the new item always holds it.
        const state = stateOf(Attributes ?? {});
        if (state === undefined) throw new Error('The shared rate item has no schedule');
        return { startAt: state.nextAt - request.intervalMs, state };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      const state = await this.read();
      if (attempt === MAX_ATTEMPTS) {
        if (state === undefined) throw new Error('The shared rate item could not be created');
        return { state };
      }
      // Undefined when the item has gone: the next attempt creates it.
      seen = state;
    }
  }

  async cut(request: RateCut): Promise<SharedRateState | undefined> {
    try {
      const { Attributes } = await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#tableName,
          Key: this.#key,
          UpdateExpression:
            'SET epoch = :next, lastMaxRate = :rate, throttledAt = :now, since = :until, ' +
            'calls = :zero, busySince = :until, busyCalls = :zero, nextAt = :until',
          ConditionExpression: 'epoch = :epoch',
          ExpressionAttributeValues: {
            ':epoch': n(request.epoch),
            ':next': n(request.epoch + 1),
            ':rate': n(request.lastMaxRate),
            ':now': n(request.now),
            ':until': n(request.pausedUntil),
            ':zero': n(0),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return stateOf(Attributes ?? {});
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /** The update that takes a start, as the schedule `seen` says it must be taken. */
  #reservation(
    seen: SharedRateState | undefined,
    request: RateReservation,
  ): UpdateItemCommandInput {
    const { now, latestStart, intervalMs, restartBefore } = request;
    const base = { TableName: this.#tableName, Key: this.#key, ReturnValues: 'ALL_NEW' } as const;
    if (seen === undefined) {
      return {
        ...base,
        UpdateExpression:
          'SET nextAt = :next, epoch = :zero, lastMaxRate = :zero, throttledAt = :zero, ' +
          'since = :now, calls = :one, busySince = :now, busyCalls = :one',
        // Or an item that lacks the schedule (written by hand), which no other update can match.
        ConditionExpression:
          'attribute_not_exists(pk) OR attribute_not_exists(epoch) OR attribute_not_exists(nextAt)',
        ExpressionAttributeValues: {
          ':next': n(now + intervalMs),
          ':zero': n(0),
          ':now': n(now),
          ':one': n(1),
        },
      };
    }
    const epoch = { ':epoch': n(seen.epoch), ':one': n(1) };
    if (seen.nextAt >= now) {
      return {
        ...base,
        UpdateExpression: 'SET nextAt = nextAt + :interval ADD calls :one, busyCalls :one',
        ConditionExpression: 'epoch = :epoch AND nextAt BETWEEN :now AND :latest',
        ExpressionAttributeValues: {
          ...epoch,
          ':interval': n(intervalMs),
          ':now': n(now),
          ':latest': n(latestStart),
        },
      };
    }
    // The schedule has ended: the start is now; after a long idle spell, calls are counted afresh.
    const restart = seen.nextAt < restartBefore;
    return {
      ...base,
      UpdateExpression: restart
        ? 'SET nextAt = :next, since = :now, calls = :one, busySince = :now, busyCalls = :one'
        : 'SET nextAt = :next, busySince = :now, busyCalls = :one ADD calls :one',
      ConditionExpression: restart
        ? 'epoch = :epoch AND nextAt < :restart'
        : 'epoch = :epoch AND nextAt BETWEEN :restart AND :now',
      ExpressionAttributeValues: {
        ...epoch,
        ':next': n(now + intervalMs),
        ':restart': n(restartBefore),
        ':now': n(now),
      },
    };
  }
}

/** The schedule an item holds; undefined for one without it, which is written afresh. */
function stateOf(item: Item): SharedRateState | undefined {
  if (num(item, 'epoch') === undefined || num(item, 'nextAt') === undefined) return undefined;
  return {
    nextAt: num(item, 'nextAt') ?? 0,
    epoch: num(item, 'epoch') ?? 0,
    lastMaxRate: num(item, 'lastMaxRate') ?? 0,
    throttledAt: num(item, 'throttledAt') ?? 0,
    since: num(item, 'since') ?? 0,
    calls: num(item, 'calls') ?? 0,
    busySince: num(item, 'busySince') ?? 0,
    busyCalls: num(item, 'busyCalls') ?? 0,
  };
}
