import { isJsonObject } from './json-object.ts';
import type { ParkReason } from './ports.ts';
import { PART_OUTCOMES, type PartOutcome, type RequestRecord } from './request-record.ts';
import { uniqueStrings } from './unique-strings.ts';

/** An HR event as far as the ledger records a refused one. */
export interface RecordedEvent {
  id: string;
  detail: unknown;
}

/**
 * A refused ID may be of any length and hold any text; the ledger keeps the first 256 UTF-16
 * units, well-formed (a lone surrogate, or half a pair the cut split, becomes U+FFFD), since
 * DynamoDB takes strings as UTF-8.
 */
const MAX_LISTED_ID_LENGTH = 256;

/**
 * What the ledger keeps of an HR event that was refused: a request under the event's ID, all
 * of whose accessors (the string IDs its detail names) failed with the reason it was parked.
 */
export function rejectedEventRecord(
  event: RecordedEvent,
  reason: ParkReason,
  requestedBy: string,
  retentionMs: number,
  now = Date.now(),
): { record: RequestRecord; outcome: PartOutcome } {
  const detail = isJsonObject(event.detail) ? event.detail : {};
  const named = [
    detail.accessorId,
    ...(Array.isArray(detail.accessorIds) ? detail.accessorIds : []),
  ];
  const ids = uniqueStrings(
    named.filter((id): id is string => typeof id === 'string' && id !== ''),
  );
  const listed = ids.map((id) =>
    (id.length > MAX_LISTED_ID_LENGTH
      ? `${id.slice(0, MAX_LISTED_ID_LENGTH)}…`
      : id
    ).toWellFormed(),
  );
  return {
    record: {
      requestId: event.id,
      spaceId: typeof detail.spaceId === 'string' ? detail.spaceId.slice(0, 64) : '',
      source: 'event',
      requestedBy,
      accessorCount: listed.length,
      partCount: 1,
      createdAt: now,
      expiresAt: now + retentionMs,
    },
    outcome: {
      requestId: event.id,
      part: 1,
      outcome: PART_OUTCOMES.failed,
      invitedCount: 0,
      skippedIds: [],
      failedIds: listed,
      errorType: reason.errorType,
      errorMessage: reason.errorMessage,
      at: now,
    },
  };
}
