import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { VALIDATION_REASONS } from '../../domain/constants.ts';
import { InviteValidationError } from '../../domain/errors.ts';
import type { AccessorPage, LedgerReader } from '../../domain/ports.ts';
import {
  type AccessorResult,
  type AccessorResultKind,
  PART_OUTCOMES,
  type PartOutcomeKind,
  type PartSummary,
  type RequestRecord,
  type RequestSource,
} from '../../domain/request-record.ts';
import { key, LEDGER_KEYS, num, str } from './ledger-items.ts';

type Item = Record<string, AttributeValue>;

/** Where the next page starts: a list item's sort key, and how many of its IDs were read. */
interface PageToken {
  /** The request it was handed out for: a token is good for that request only. */
  requestId: string;
  /** The list item to go on from, and how many of its IDs were listed already. */
  sk: string;
  offset: number;
}

/** An accessor list item's sort key, `LIST#<kind>#<part>#<outcomeId>#<page>`: part, outcome. */
const LIST_SK = /^LIST#(?:failed|skipped)#(\d{7})#([0-9a-f]{8})#\d{3}$/;

/** The request ledger as the status function reads it: requests, parts, accessor lists. */
export class DynamoDbLedgerReader implements LedgerReader {
  readonly #client: DynamoDBClient;
  readonly #tableName: string;

  constructor(options: { client: DynamoDBClient; tableName: string }) {
    this.#client = options.client;
    this.#tableName = options.tableName;
  }

  async request(requestId: string, now: number): Promise<RequestRecord | undefined> {
    const { Item } = await this.#client.send(
      new GetItemCommand({
        TableName: this.#tableName,
        Key: key(LEDGER_KEYS.request(requestId)),
        // A client follows the 202's Location at once; an eventually consistent read may 404.
        ConsistentRead: true,
      }),
    );
    const expiresAt = num(Item, 'expiresAt') ?? 0;
    // TTL deletes up to two days late: an expired record is gone, whatever DynamoDB still holds.
    if (Item === undefined || expiresAt <= now) return undefined;
    return { ...requestRecordOf(Item), requestId };
  }

  async parts(requestId: string): Promise<PartSummary[]> {
    return (await this.#partItems(requestId)).map(summaryOf);
  }

  async accessors(
    requestId: string,
    kind: AccessorResultKind,
    page: { limit: number; nextToken?: string },
  ): Promise<AccessorPage> {
    const prefix = LEDGER_KEYS.listPrefix(kind);
    const token =
      page.nextToken === undefined ? undefined : parseToken(page.nextToken, requestId, prefix);
    // Lists of an outcome that is no longer the part's (redriven, or a crash mid-write) are stale.
    const current = new Map(
      (await this.#partItems(requestId)).map((item) => [num(item, 'part'), str(item, 'outcomeId')]),
    );
    // A part whose outcome changed since the token was handed out (parked again, or delivered
    // after a redrive) is listed again from its start: an ID may come twice, none goes missing.
    const [, part, outcomeId] = LIST_SK.exec(token?.sk ?? '') ?? [];
    const start =
      token === undefined || current.get(Number(part)) === outcomeId
        ? token
        : { ...token, sk: `${prefix}${part}#`, offset: 0 };
    const items: AccessorResult[] = [];
    let exclusiveStart: Item | undefined;
    for (;;) {
      const { Items = [], LastEvaluatedKey } = await this.#client.send(
        new QueryCommand({
          TableName: this.#tableName,
          ConsistentRead: true,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': { S: LEDGER_KEYS.request(requestId).pk },
            ':from': { S: start?.sk ?? prefix },
            ':to': { S: `${prefix}\uffff` },
          },
          ...(exclusiveStart ? { ExclusiveStartKey: exclusiveStart } : {}),
        }),
      );
      for (const item of Items) {
        if (current.get(num(item, 'part')) !== str(item, 'outcomeId')) continue;
        const sk = str(item, 'sk') ?? '';
        const ids = (item.ids?.L ?? []).map((value) => value.S ?? '');
        const from = start?.sk === sk ? start.offset : 0;
        const errorType = str(item, 'errorType') || undefined;
        const errorMessage = str(item, 'errorMessage') || undefined;
        for (let index = from; index < ids.length; index++) {
          if (items.length === page.limit)
            return { items, nextToken: formatToken({ requestId, sk, offset: index }) };
          items.push({
            accessorId: ids[index] as string,
            ...(errorType ? { errorType } : {}),
            ...(errorMessage ? { errorMessage } : {}),
          });
        }
      }
      if (LastEvaluatedKey === undefined) return { items };
      exclusiveStart = LastEvaluatedKey;
    }
  }

  async #partItems(requestId: string): Promise<Item[]> {
    const items: Item[] = [];
    let exclusiveStart: Item | undefined;
    do {
      const { Items = [], LastEvaluatedKey } = await this.#client.send(
        new QueryCommand({
          TableName: this.#tableName,
          ConsistentRead: true,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: {
            ':pk': { S: LEDGER_KEYS.request(requestId).pk },
            ':prefix': { S: LEDGER_KEYS.partPrefix },
          },
          ...(exclusiveStart ? { ExclusiveStartKey: exclusiveStart } : {}),
        }),
      );
      items.push(...Items);
      exclusiveStart = LastEvaluatedKey;
    } while (exclusiveStart !== undefined);
    return items;
  }
}

/** A request's record from its item, or from its copy in the day's list (`REQUESTS#<day>`). */
export function requestRecordOf(item: Item): RequestRecord {
  return {
    requestId: str(item, 'requestId') ?? '',
    spaceId: str(item, 'spaceId') ?? '',
    source: (str(item, 'source') ?? 'http') as RequestSource,
    requestedBy: str(item, 'requestedBy') ?? '',
    accessorCount: num(item, 'accessorCount') ?? 0,
    partCount: num(item, 'partCount') ?? 0,
    createdAt: num(item, 'createdAt') ?? 0,
    expiresAt: num(item, 'expiresAt') ?? 0,
  };
}

function summaryOf(item: Item): PartSummary {
  const outcome = (str(item, 'outcome') ?? PART_OUTCOMES.failed) as PartOutcomeKind;
  const errorType = str(item, 'errorType') || undefined;
  const errorMessage = str(item, 'errorMessage') || undefined;
  return {
    part: num(item, 'part') ?? 0,
    outcome,
    invited: num(item, 'invited') ?? 0,
    skipped: num(item, 'skipped') ?? 0,
    failed: num(item, 'failed') ?? 0,
    ...(errorType ? { errorType } : {}),
    ...(errorMessage ? { errorMessage } : {}),
    updatedAt: num(item, 'updatedAt') ?? 0,
  };
}

function formatToken(token: PageToken): string {
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

/**
 * Throws `InviteValidationError` for a token this reader did not hand out for `requestId` and
 * `prefix` (the status asked for): only the exact form of a list item's key is taken, so no
 * token can start a query outside the lists.
 */
function parseToken(text: string, requestId: string, prefix: string): PageToken {
  let token: unknown;
  try {
    token = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    token = undefined;
  }
  const { sk, offset, requestId: issuedFor } = (token ?? {}) as Partial<PageToken>;
  if (
    issuedFor === requestId &&
    typeof sk === 'string' &&
    sk.startsWith(prefix) &&
    LIST_SK.test(sk) &&
    Number.isSafeInteger(offset) &&
    (offset as number) >= 0
  ) {
    return { requestId, sk, offset: offset as number };
  }
  throw new InviteValidationError(
    'nextToken is not one this API handed out for this request and status',
    VALIDATION_REASONS.fieldValidationFailed,
    [{ name: 'nextToken', message: 'nextToken is invalid' }],
  );
}
