import { type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import {
  DynamoDbLedgerReader,
  requestRecordOf,
} from '../../shared/adapters/ledger/dynamodb-ledger-reader.ts';
import { LEDGER_KEYS, str } from '../../shared/adapters/ledger/ledger-items.ts';
import { isRequestId } from '../../shared/domain/request-id.ts';
import type { RequestRecord } from '../../shared/domain/request-record.ts';
import {
  type RequestStatus,
  type RequestStatusName,
  summarizeRequest,
} from '../../shared/domain/request-status.ts';
import { runConcurrently } from '../../shared/lib/run-concurrently.ts';

/** Days the list reaches back: the ledger keeps a request 30 days by default. */
export const LISTED_DAYS = 31;
/** Day items read at most for one page, so a filter that matches little still answers fast. */
const MAX_EXAMINED = 400;
const DAY_MS = 86_400_000;

export interface RequestListQuery {
  limit: number;
  /** From `nextCursor`: where the previous page stopped. */
  cursor?: string | undefined;
  spaceId?: string | undefined;
  status?: RequestStatusName | undefined;
}

export interface RequestListPage {
  rows: RequestStatus[];
  nextCursor?: string;
}

/** Where a page stopped: the day, and the sort key of the last item read on it. */
interface Cursor {
  day: string;
  after?: string;
}

/** The cursor is not one this list handed out. */
export class InvalidCursorError extends Error {
  constructor(options?: ErrorOptions) {
    super('The page cursor is not valid; start from the first page', options);
    this.name = 'InvalidCursorError';
  }
}

function formatCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

/** A day item's sort key, `<createdAt ISO>#<requestId>`: its day, and the request ID. */
const DAY_ITEM_KEY = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}:\d{2}\.\d{3}Z#(.+)$/;

/** Whether `after` is the key of an item of `day`'s list, as this list hands them out. */
function isDayItemKey(after: string, day: string): boolean {
  const [, itemDay, requestId] = DAY_ITEM_KEY.exec(after) ?? [];
  return itemDay === day && requestId !== undefined && isRequestId(requestId);
}

/** Whether `day` is a real calendar day (`2026-02-30` is not). */
function isCalendarDay(day: string): boolean {
  const ms = Date.parse(`${day}T00:00:00Z`);
  return Number.isFinite(ms) && dayOf(ms) === day;
}

function parseCursor(text: string): Cursor {
  let value: Partial<Cursor> | undefined;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<Cursor>;
  } catch (error) {
    throw new InvalidCursorError({ cause: error });
  }
  if (
    typeof value?.day !== 'string' ||
    !/^\d{4}-\d{2}-\d{2}$/.test(value.day) ||
    !isCalendarDay(value.day) ||
    (value.after !== undefined &&
      (typeof value.after !== 'string' || !isDayItemKey(value.after, value.day)))
  ) {
    throw new InvalidCursorError();
  }
  return value.after === undefined ? { day: value.day } : { day: value.day, after: value.after };
}

function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Recent requests, newest first, from the ledger's per-day items (`REQUESTS#<day>`), each with
 * its counts summarized from its parts as the status function does (`summarizeRequest`).
 */
export class LedgerRequestList {
  readonly #client: DynamoDBClient;
  readonly #tableName: string;
  readonly #reader: DynamoDbLedgerReader;
  readonly #now: () => number;

  constructor(options: { client: DynamoDBClient; tableName: string; now?: () => number }) {
    this.#client = options.client;
    this.#tableName = options.tableName;
    this.#reader = new DynamoDbLedgerReader(options);
    this.#now = options.now ?? Date.now;
  }

  /** One page of requests. Throws `InvalidCursorError` for a cursor it did not hand out. */
  async page(query: RequestListQuery): Promise<RequestListPage> {
    const now = this.#now();
    const oldest = dayOf(now - (LISTED_DAYS - 1) * DAY_MS);
    let cursor: Cursor = query.cursor ? parseCursor(query.cursor) : { day: dayOf(now) };
    // No list is kept for a day to come: a cursor that names one was not handed out here.
    if (cursor.day > dayOf(now)) throw new InvalidCursorError();
    const rows: RequestStatus[] = [];
    let examined = 0;
    while (cursor.day >= oldest) {
      const want = query.limit - rows.length;
      const { items, last, read } = await this.#dayItems(cursor, want, query.spaceId);
      // What the table read, not what the space filter let through: a filter that matches
      // nothing must not read every item of 31 days for one page.
      examined += read;
      const records = items.map(requestRecordOf).filter((record) => record.expiresAt > now);
      const statuses = await this.#summaries(records);
      rows.push(...statuses.filter((row) => !query.status || row.status === query.status));
      cursor =
        last !== undefined
          ? { day: cursor.day, after: last }
          : { day: dayOf(Date.parse(`${cursor.day}T00:00:00Z`) - DAY_MS) };
      if (rows.length >= query.limit || examined >= MAX_EXAMINED) {
        return cursor.day >= oldest ? { rows, nextCursor: formatCursor(cursor) } : { rows };
      }
    }
    return { rows };
  }

  /** Up to `limit` of a day's items after `cursor.after`; `last` is set when the day has more. */
  async #dayItems(cursor: Cursor, limit: number, spaceId: string | undefined) {
    const { pk } = LEDGER_KEYS.day(Date.parse(`${cursor.day}T00:00:00Z`), '');
    const {
      Items = [],
      LastEvaluatedKey,
      ScannedCount,
    } = await this.#client.send(
      new QueryCommand({
        TableName: this.#tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: {
          ':pk': { S: pk },
          ...(spaceId ? { ':space': { S: spaceId } } : {}),
        },
        ...(spaceId ? { FilterExpression: 'spaceId = :space' } : {}),
        ScanIndexForward: false,
        Limit: Math.max(1, limit),
        ...(cursor.after ? { ExclusiveStartKey: { pk: { S: pk }, sk: { S: cursor.after } } } : {}),
      }),
    );
    const last = LastEvaluatedKey === undefined ? undefined : str(LastEvaluatedKey, 'sk');
    return { items: Items, last, read: ScannedCount ?? Items.length };
  }

  async #summaries(records: readonly RequestRecord[]): Promise<RequestStatus[]> {
    const statuses = new Map<string, RequestStatus>();
    await runConcurrently(records, 8, async (record) => {
      statuses.set(
        record.requestId,
        summarizeRequest(record, await this.#reader.parts(record.requestId)),
      );
    });
    return records.flatMap((record) => statuses.get(record.requestId) ?? []);
  }
}
