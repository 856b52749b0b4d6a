import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { AccessorResultKind } from '../../domain/request-record.ts';

/**
 * The ledger's single-table layout. Every item has a partition key `pk`, a sort key `sk` and
 * `ttl` (epoch seconds) for DynamoDB's TTL; readers also check `expiresAt`, because TTL
 * deletes up to two days late (and dynalite, locally, never does).
 *
 * - `REQUEST#<id>` / `REQUEST`: the request (space, source, who, counts, times).
 * - `REQUEST#<id>` / `PART#<part>`: one settled part (outcome, counts, reason, `outcomeId`).
 * - `REQUEST#<id>` / `LIST#<kind>#<part>#<outcomeId>#<page>`: accessor IDs a part skipped or
 *   failed; only pages whose `outcomeId` is the part's current one count.
 * - `REQUESTS#<yyyy-mm-dd>` / `<createdAt ISO>#<id>`: the day's requests, newest last, so an
 *   operator can list them without a scan or an index.
 * - `IDEMPOTENCY#<hash of scope and key>` / `IDEMPOTENCY`: one idempotency key.
 * - `INVITED#<spaceId>#<shard>` / `<accessorId>`: when the accessor was last invited to the
 *   space (`invitedAt`), kept for `REINVITE_AFTER_DAYS`.
 * - `RATE#<scope>` / `RATE`: the shared pace of one rate-limited operation (`SendInvites`) for
 *   every worker environment: the schedule's end, the rate learned from throttles, its epoch.
 *   No TTL: it is what the deployment has learned about its quota.
 * - `GROUP#<hash of call content>` / `GROUP`: the call one worker is gathering small batches of
 *   that content for (its token, when it closes, its room, the hand-offs it took).
 * - `HANDOFF#<token>` / `HANDOFF`: the messages one worker handed to a gathering call.
 */
export const LEDGER_KEYS = {
  request: (requestId: string) => ({ pk: `REQUEST#${requestId}`, sk: 'REQUEST' }),
  part: (requestId: string, part: number) => ({
    pk: `REQUEST#${requestId}`,
    sk: `PART#${pad(part, 7)}`,
  }),
  partPrefix: 'PART#',
  list: (
    requestId: string,
    kind: AccessorResultKind,
    part: number,
    outcomeId: string,
    page: number,
  ) => ({
    pk: `REQUEST#${requestId}`,
    sk: `LIST#${kind}#${pad(part, 7)}#${outcomeId}#${pad(page, 3)}`,
  }),
  listPrefix: (kind: AccessorResultKind) => `LIST#${kind}#`,
  idempotency: (hash: string) => ({ pk: `IDEMPOTENCY#${hash}`, sk: 'IDEMPOTENCY' }),
  invited: (spaceId: string, shard: number, accessorId: string) => ({
    pk: `INVITED#${spaceId}#${pad(shard, 2)}`,
    sk: accessorId,
  }),
  invitedShard: (spaceId: string, shard: number) => `INVITED#${spaceId}#${pad(shard, 2)}`,
  rate: (scope: string) => ({ pk: `RATE#${scope}`, sk: 'RATE' }),
  group: (contentHash: string) => ({ pk: `GROUP#${contentHash}`, sk: 'GROUP' }),
  handOff: (token: string) => ({ pk: `HANDOFF#${token}`, sk: 'HANDOFF' }),
  day: (createdAt: number, requestId: string) => {
    const iso = new Date(createdAt).toISOString();
    return { pk: `REQUESTS#${iso.slice(0, 10)}`, sk: `${iso}#${requestId}` };
  },
} as const;

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** A key as DynamoDB takes it. */
export function key(parts: { pk: string; sk: string }): Record<string, AttributeValue> {
  return { pk: { S: parts.pk }, sk: { S: parts.sk } };
}

export const s = (value: string): AttributeValue => ({ S: value });
export const n = (value: number): AttributeValue => ({ N: String(value) });

/** The longest error type or message an item keeps: no item nears DynamoDB's 400 KB. */
export const MAX_REASON_LENGTH = 1024;

/** An error type or message cut to `MAX_REASON_LENGTH`, still well-formed text. */
export function reasonText(value: string | undefined): AttributeValue {
  return s((value ?? '').slice(0, MAX_REASON_LENGTH).toWellFormed());
}

/** A string attribute of an item, or undefined. */
export function str(
  item: Record<string, AttributeValue> | undefined,
  name: string,
): string | undefined {
  const value = item?.[name];
  return value !== undefined && 'S' in value ? value.S : undefined;
}

/** A number attribute of an item, or undefined. */
export function num(
  item: Record<string, AttributeValue> | undefined,
  name: string,
): number | undefined {
  const value = item?.[name];
  return value !== undefined && 'N' in value && value.N !== undefined ? Number(value.N) : undefined;
}

/** Epoch seconds for the TTL attribute. */
export function ttl(expiresAtMs: number): AttributeValue {
  return n(Math.ceil(expiresAtMs / 1000));
}

// An item holds at most 400 KB; a page of IDs stays well under it, names and numbers included.
const MAX_PAGE_BYTES = 300 * 1024;

/** Splits accessor IDs into pages that each fit in one item. */
export function pagesOf(ids: readonly string[]): string[][] {
  const pages: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const id of ids) {
    // Each list element costs its bytes plus a little overhead.
    const size = Buffer.byteLength(id) + 3;
    if (current.length > 0 && bytes + size > MAX_PAGE_BYTES) {
      pages.push(current);
      current = [];
      bytes = 0;
    }
    current.push(id);
    bytes += size;
  }
  if (current.length > 0) pages.push(current);
  return pages;
}

/** Whether an SDK error is DynamoDB's refusal of a condition. */
export function isConditionFailure(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'ConditionalCheckFailedException';
}
