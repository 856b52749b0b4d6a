import { groupsOf } from '../lib/groups-of.ts';
import { withLazyProperty } from '../lib/lazy-property.ts';
import { chunkAccessors } from './chunk-accessors.ts';
import { REQUEST_LIMITS, SEND_INVITES_LIMITS } from './constants.ts';
import { InvalidChunkMessageError } from './errors.ts';
import { FieldProblems } from './field-problems.ts';
import { CHUNK_MESSAGE_VERSION, type InviteChunk } from './invite.ts';
import type { InviteRequest } from './invite-request.ts';
import { checkAccessorIds, checkFlag, checkSpaceId, checkText } from './invite-request.ts';
import { isJsonObject } from './json-object.ts';
import { jsonStringBytes, toQueueJson } from './json-size.ts';
import { isPlainAscii } from './text.ts';

// Part numbers are reserved at this width when sizing, so the real ones always fit.
const PART_PLACEHOLDER = 9_999_999;

/** A chunk as planned, with its accessors' JSON when the request's text already held it. */
export interface PlannedChunk extends InviteChunk {
  /** `accessorIds` as the members of a JSON array, `"a","b"`, each ID plain ASCII. */
  accessorIdsJson?: string;
}

/** The queue message body of a chunk (JSON, safe for SQS's character rules). */
export function encodeInviteChunk(chunk: PlannedChunk): string {
  const { v, requestId, part, parts, spaceId, title, body, resend, accessorIdsJson } = chunk;
  // `resend` only when set, so every other chunk reads exactly as before it existed.
  const envelope = {
    v,
    requestId,
    part,
    parts,
    spaceId,
    title,
    body,
    ...(resend ? { resend } : {}),
  };
  if (accessorIdsJson === undefined) {
    return toQueueJson({ ...envelope, accessorIds: chunk.accessorIds });
  }
  // Plain ASCII IDs read the same in any JSON: only the envelope is written, then the list put in.
  return `${toQueueJson({ ...envelope, accessorIds: [] }).slice(0, -2)}${accessorIdsJson}]}`;
}

/**
 * Splits a validated request into chunks of at most 1000 accessors whose encoded size is at
 * most `maxMessageBytes`. Throws `RangeError` when the limit leaves no room for an accessor.
 */
export function planInviteChunks(
  request: InviteRequest,
  requestId: string,
  maxMessageBytes: number,
): PlannedChunk[] {
  const { spaceId, title, body } = request;
  const envelope: InviteChunk = {
    v: CHUNK_MESSAGE_VERSION,
    requestId,
    part: PART_PLACEHOLDER,
    parts: PART_PLACEHOLDER,
    spaceId,
    title,
    body,
    ...(request.resend ? { resend: true as const } : {}),
    accessorIds: [],
  };
  const maxCount = SEND_INVITES_LIMITS.maxAccessorsPerCall;
  const fixedBytes = Buffer.byteLength(encodeInviteChunk(envelope));
  const plain = request.plainAsciiIds ?? allPlainAscii(request.accessorIds);
  // A plain ASCII ID takes at most 256 bytes, its quotes and a comma: when a full chunk of the
  // longest fits, the count alone decides and no ID needs sizing.
  const countDecides =
    plain &&
    fixedBytes + maxCount * (REQUEST_LIMITS.accessorIdMaxCodePoints + 3) <= maxMessageBytes;
  const text = request.accessorIdsText;
  if (countDecides && text !== undefined) {
    // Read from the body's text: each chunk's JSON is cut from it, its IDs made only if read.
    const parts = Math.ceil(text.count / maxCount);
    return Array.from({ length: parts }, (_, index) => {
      const from = index * maxCount;
      const to = Math.min(text.count, from + maxCount);
      const chunk = {
        ...envelope,
        part: index + 1,
        parts,
        accessorIdsJson: text.membersJson(from, to),
      };
      return withLazyProperty(chunk, 'accessorIds', () => text.ids(from, to));
    });
  }
  const groups = countDecides
    ? groupsOf(request.accessorIds, maxCount)
    : chunkAccessors(request.accessorIds, {
        maxCount,
        maxBytes: maxMessageBytes,
        fixedBytes,
        sizeOf: plain ? plainSize : jsonStringBytes,
      });
  return groups.map((accessorIds, index) => ({
    ...envelope,
    part: index + 1,
    parts: groups.length,
    accessorIds,
  }));
}

/** Whether every ID is plain ASCII, tested once on the joined list rather than per ID. */
function allPlainAscii(ids: readonly string[]): boolean {
  return isPlainAscii(ids.join(' '));
}

function plainSize(id: string): number {
  return id.length + 2;
}

/** A version for an error message: short, and never serialised whole (it may nest deeply). */
function describeVersion(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 32));
  if (typeof value !== 'object' || value === null) return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

function isPositiveInteger(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 1;
}

/**
 * Parses and validates a queue message body against the chunk schema.
 * Throws `InvalidChunkMessageError` naming every problem: such a message can never succeed.
 */
export function decodeInviteChunk(text: string): InviteChunk {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new InvalidChunkMessageError('Message body is not JSON', { cause: error });
  }
  if (!isJsonObject(data)) {
    throw new InvalidChunkMessageError('Message body is not a JSON object');
  }
  const message = data;
  if (message.v !== CHUNK_MESSAGE_VERSION) {
    throw new InvalidChunkMessageError(
      `Unsupported message version ${describeVersion(message.v)}; expected ${CHUNK_MESSAGE_VERSION}`,
    );
  }
  const problems = new FieldProblems();
  const { requestId, part, parts } = message;
  if (typeof requestId !== 'string' || requestId.length === 0) {
    problems.add('requestId', 'requestId must be a non-empty string');
  }
  if (!isPositiveInteger(part) || !isPositiveInteger(parts) || part > parts) {
    problems.add('part', 'part and parts must be integers with 1 <= part <= parts');
  }
  const spaceId = checkSpaceId(message.spaceId, problems);
  const title = checkText('title', message.title, SEND_INVITES_LIMITS.titleMaxCodePoints, problems);
  const body = checkText('body', message.body, SEND_INVITES_LIMITS.bodyMaxCodePoints, problems);
  const accessorIds = checkAccessorIds(
    message.accessorIds,
    problems,
    SEND_INVITES_LIMITS.maxAccessorsPerCall,
  );
  const resend = checkFlag('resend', message.resend, problems);
  if (!problems.empty || !spaceId || !title || !body || !accessorIds) {
    const detail = problems.list.map((problem) => `${problem.name}: ${problem.message}`);
    throw new InvalidChunkMessageError(`Invalid chunk message: ${detail.join('; ')}`);
  }
  return {
    v: CHUNK_MESSAGE_VERSION,
    requestId: requestId as string,
    part: part as number,
    parts: parts as number,
    spaceId,
    title,
    body,
    ...(resend ? { resend: true as const } : {}),
    accessorIds,
  };
}
