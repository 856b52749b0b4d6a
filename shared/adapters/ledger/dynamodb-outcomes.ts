import { randomUUID } from 'node:crypto';
import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  UpdateItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import {
  ACCESSOR_RESULT_KINDS,
  type AccessorResultKind,
  PART_OUTCOMES,
  type PartOutcome,
} from '../../domain/request-record.ts';
import { runUntilFailure } from '../../lib/run-concurrently.ts';
import { batchGet, batchWrite } from './batch-calls.ts';
import {
  isConditionFailure,
  key,
  LEDGER_KEYS,
  n,
  num,
  pagesOf,
  reasonText,
  s,
  str,
  ttl,
} from './ledger-items.ts';

type Item = Record<string, AttributeValue>;

/** Parts `clearOutcomes` forgets at once. */
const CLEARS_AT_ONCE = 16;

/**
 * Parts' outcomes in the ledger table, as the intake and the worker write them. Without
 * transactions (dynalite has none): the lists of accessor IDs are written first under a new
 * `outcomeId`, then the part item points at it; lists of an older outcome are deleted after,
 * and readers ignore any list whose `outcomeId` is not the part's, so a crash in between
 * leaves nothing wrong to read.
 */
export class DynamoDbOutcomes {
  readonly #client: DynamoDBClient;
  readonly #tableName: string;

  constructor(options: { client: DynamoDBClient; tableName: string }) {
    this.#client = options.client;
    this.#tableName = options.tableName;
  }

  /**
   * Records what became of a part. A part already delivered stays as it is: a redelivered
   * chunk, or a failure after a success, changes nothing.
   */
  async recordOutcome(outcome: PartOutcome, expiresAt: number): Promise<void> {
    const outcomeId = randomUUID().slice(0, 8);
    const lists = this.#lists(outcome, outcomeId, expiresAt);
    if (lists.length > 0) await batchWrite(this.#client, this.#tableName, lists);
    const { requestId, part } = outcome;
    let previous: Item | undefined;
    try {
      ({ Attributes: previous } = await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#tableName,
          Key: key(LEDGER_KEYS.part(requestId, part)),
          UpdateExpression:
            'SET part = :part, #outcome = :outcome, invited = :invited, skipped = :skipped, failed = :failed, ' +
            'errorType = :errorType, errorMessage = :errorMessage, updatedAt = :at, ' +
            'outcomeId = :outcomeId, pages = :pages, expiresAt = :expiresAt, #ttl = :ttl',
          // A retry of this very write (its answer lost after it landed) may write it again.
          ConditionExpression:
            'attribute_not_exists(#outcome) OR #outcome <> :delivered OR outcomeId = :outcomeId',
          ExpressionAttributeNames: { '#outcome': 'outcome', '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':part': n(part),
            ':outcome': s(outcome.outcome),
            ':delivered': s(PART_OUTCOMES.delivered),
            ':invited': n(outcome.invitedCount),
            ':skipped': n(outcome.skippedIds.length),
            ':failed': n(outcome.failedIds.length),
            ':errorType': reasonText(outcome.errorType),
            ':errorMessage': reasonText(outcome.errorMessage),
            ':at': n(outcome.at),
            ':outcomeId': s(outcomeId),
            ':pages': s(pageCounts(outcome)),
            ':expiresAt': n(expiresAt),
            ':ttl': ttl(expiresAt),
          },
          ReturnValues: 'ALL_OLD',
        }),
      ));
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // Already delivered: the lists just written belong to no outcome.
      await this.#deleteStaleLists(requestId, part, outcomeId, pageCounts(outcome));
      return;
    }
    const old = str(previous, 'outcomeId');
    if (old !== undefined && old !== outcomeId)
      await this.#deleteStaleLists(requestId, part, old, str(previous, 'pages') ?? '');
  }

  /** Which of these parts are delivered already, as `requestId#part`. */
  async deliveredParts(
    parts: readonly { requestId: string; part: number }[],
  ): Promise<Set<string>> {
    if (parts.length === 0) return new Set();
    // Consistent: a copy of a chunk received just after its first delivery is recorded must see
    // that record, or it is sent again.
    const items = await batchGet(
      this.#client,
      this.#tableName,
      parts.map(({ requestId, part }) => key(LEDGER_KEYS.part(requestId, part))),
      { consistentRead: true },
    );
    return new Set(
      items
        .filter((item) => str(item, 'outcome') === PART_OUTCOMES.delivered)
        .map((item) => `${(str(item, 'pk') ?? '').slice('REQUEST#'.length)}#${num(item, 'part')}`),
    );
  }

  /**
   * Forgets the failed outcomes of parts queued again after SQS refused them, several at once:
   * a request resumed after an SQS outage may have a thousand, and nothing is queued until
   * they are cleared.
   */
  async clearOutcomes(requestId: string, parts: readonly number[]): Promise<void> {
    // After a failure the call is lost anyway (nothing is queued): the other lanes stop too, and
    // the failure is thrown once every lane has.
    await runUntilFailure(parts, CLEARS_AT_ONCE, async (part) => {
      try {
        const { Attributes } = await this.#client.send(
          new DeleteItemCommand({
            TableName: this.#tableName,
            Key: key(LEDGER_KEYS.part(requestId, part)),
            ConditionExpression: '#outcome = :failed',
            ExpressionAttributeNames: { '#outcome': 'outcome' },
            ExpressionAttributeValues: { ':failed': s(PART_OUTCOMES.failed) },
            ReturnValues: 'ALL_OLD',
          }),
        );
        const old = str(Attributes, 'outcomeId');
        if (old !== undefined)
          await this.#deleteStaleLists(requestId, part, old, str(Attributes, 'pages') ?? '');
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    });
  }

  #lists(outcome: PartOutcome, outcomeId: string, expiresAt: number): WriteRequest[] {
    const { requestId, part } = outcome;
    const lists: [AccessorResultKind, readonly string[]][] = [
      [ACCESSOR_RESULT_KINDS.skipped, outcome.skippedIds],
      [ACCESSOR_RESULT_KINDS.failed, outcome.failedIds],
    ];
    return lists.flatMap(([kind, ids]) =>
      pagesOf(ids).map((page, index) => ({
        PutRequest: {
          Item: {
            ...key(LEDGER_KEYS.list(requestId, kind, part, outcomeId, index)),
            part: n(part),
            outcomeId: s(outcomeId),
            ids: { L: page.map(s) },
            errorType: reasonText(outcome.errorType),
            errorMessage: reasonText(outcome.errorMessage),
            expiresAt: n(expiresAt),
            ttl: ttl(expiresAt),
          },
        },
      })),
    );
  }

  /**
   * Deletes the lists of an outcome the part no longer points at. Best effort: the outcome has
   * landed already, readers skip such lists, and their TTL removes them, so a failure here must
   * not read as a failed record (the chunk would be handed back and sent again).
   */
  async #deleteStaleLists(requestId: string, part: number, outcomeId: string, pages: string) {
    const deletes = parsePageCounts(pages).flatMap(([kind, count]) =>
      Array.from({ length: count }, (_, page) => ({
        DeleteRequest: { Key: key(LEDGER_KEYS.list(requestId, kind, part, outcomeId, page)) },
      })),
    );
    if (deletes.length === 0) return;
    await batchWrite(this.#client, this.#tableName, deletes).catch(() => undefined);
  }
}

/** How many list pages an outcome writes, as `skipped:1,failed:0`. */
function pageCounts(outcome: PartOutcome): string {
  return `skipped:${pagesOf(outcome.skippedIds).length},failed:${pagesOf(outcome.failedIds).length}`;
}

function parsePageCounts(text: string): [AccessorResultKind, number][] {
  return text
    .split(',')
    .map((entry) => entry.split(':'))
    .filter(
      (pair): pair is [AccessorResultKind, string] =>
        pair[0] === ACCESSOR_RESULT_KINDS.skipped || pair[0] === ACCESSOR_RESULT_KINDS.failed,
    )
    .map(([kind, count]) => [kind, Number(count) || 0]);
}
