import { randomUUID } from 'node:crypto';
import { mapInSlices } from '../lib/map-in-slices.ts';
import { runConcurrently } from '../lib/run-concurrently.ts';
import {
  EnqueueError,
  IdempotencyKeyInUseError,
  IdempotencyKeyLostError,
  IdempotencyKeyMismatchError,
  LedgerUnavailableError,
  PipelineError,
  SpaceNotAllowedError,
} from './errors.ts';
import { decideClaim, idempotencyRecordKey, requestFingerprint } from './idempotency.ts';
import {
  IDEMPOTENCY_STATES,
  type IdempotencyRecord,
  type IdempotencyStore,
} from './idempotency-record.ts';
import type { InviteChunk } from './invite.ts';
import { encodeInviteChunk, planInviteChunks } from './invite-chunk.ts';
import { accessorCountOf, type InviteRequest } from './invite-request.ts';
import type { InviteQueue, OutgoingMessage, RequestLedger } from './ports.ts';
import { PART_OUTCOMES, type RequestSource } from './request-record.ts';

// Chunks encoded between two turns of the event loop, in which the ledger writes go on.
const ENCODE_SLICE = 10;
/** Time kept after queueing for the ledger writes that settle the request, and the answer. */
export const SETTLE_BUDGET_MS = 3_000;
/** Outcomes of refused parts written at once. */
const OUTCOME_WRITES_AT_ONCE = 16;

/** How long the ledger keeps what the intake writes, in milliseconds. */
export interface LedgerRetention {
  /** Request records and their outcomes. */
  requestMs: number;
  /** Idempotency keys. */
  idempotencyMs: number;
  /** How long a request holds its key while it is being accepted. */
  lockMs: number;
}

export interface AcceptDependencies {
  queue: InviteQueue;
  ledger: IdempotencyStore & RequestLedger;
  retention: LedgerRetention;
  /** Largest chunk message, in bytes. */
  maxMessageBytes: number;
  /** Spaces this deployment may invite to; every space when undefined. */
  allowedSpaceIds?: ReadonlySet<string>;
  /**
   * Milliseconds left before the invocation times out: queueing stops `SETTLE_BUDGET_MS` before
   * then, so the key is settled with the parts queued and the answer goes out (a retry queues
   * the rest) instead of the invocation dying mid-way with its key still held.
   */
  remainingMs?: () => number;
  /** Hears about ledger writes that failed after the chunks were queued (the answer stands). */
  onLedgerError?: (action: LedgerAction, error: unknown) => void;
  now?: () => number;
  /** A token of this attempt's own for the idempotency key; a random UUID by default. */
  newAttempt?: () => string;
}

/** A ledger write the intake carries on without. */
export type LedgerAction = 'claim' | 'record' | 'settle' | 'recordNotQueued';

export interface AcceptOptions {
  /** The ID a new request gets; a resumed one keeps its first ID. */
  requestId: string;
  /**
   * `requestId` is this request's own, used by no earlier one (API Gateway's request ID): a new
   * request is then recorded without looking for an earlier record.
   */
  ownRequestId?: boolean;
  source: RequestSource;
  requestedBy: string;
  /** `Idempotency-Key` (HTTP) or the event ID (HR events), unique within `scope`. */
  idempotency?: { scope: string; key: string };
  /**
   * Parks a chunk SQS refused (HR events, which have no caller to answer 503 to). The key is
   * settled only after every refused chunk is parked: a parked chunk counts as handled, so a
   * repeat queues nothing of it; one that could not be parked is queued by the repeat.
   */
  parkUnqueued?: (message: OutgoingMessage, cause: unknown) => Promise<void>;
  /**
   * Queue even when the ledger cannot be reached (HR events, which have no caller to retry):
   * the request then has no idempotency and no status. Otherwise that is a retryable 503.
   */
  ledgerOptional?: boolean;
}

export interface AcceptedRequest {
  requestId: string;
  accessorCount: number;
  messageCount: number;
  /** The answer of an earlier request with the same idempotency key. */
  replayed: boolean;
}

/** Throws `SpaceNotAllowedError` when the space is outside the allowed list. */
export function assertSpaceAllowed(spaceId: string, allowed?: ReadonlySet<string>): void {
  if (allowed !== undefined && !allowed.has(spaceId)) throw new SpaceNotAllowedError(spaceId);
}

/** A ledger call before anything is queued fails as a retryable `LedgerUnavailableError`. */
async function beforeQueueing<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof PipelineError) throw error;
    throw new LedgerUnavailableError({ cause: error });
  }
}

/**
 * Records a validated request in the ledger, splits it into chunks and queues them, once per
 * idempotency key: a repeat of a completed request gets its answer again (`replayed`), a repeat
 * of a partly queued one queues only the missing chunks. Throws `SpaceNotAllowedError`,
 * `IdempotencyKeyMismatchError`, `IdempotencyKeyInUseError` and `LedgerUnavailableError` before
 * queueing anything, and `EnqueueError` (the parts queued and not) when SQS refused some chunks;
 * with `parkUnqueued`, what parking threw when a refused chunk could not be parked either.
 */
export async function acceptInviteRequest(
  request: InviteRequest,
  options: AcceptOptions,
  dependencies: AcceptDependencies,
): Promise<AcceptedRequest> {
  const { queue, ledger, retention } = dependencies;
  assertSpaceAllowed(request.spaceId, dependencies.allowedSpaceIds);
  const now = (dependencies.now ?? Date.now)();
  const report = (action: LedgerAction) => (error: unknown) => {
    dependencies.onLedgerError?.(action, error);
    return undefined;
  };
  /** Writes the key's state while this attempt holds it; a key lost to another is reported. */
  const settleKey = (record: IdempotencyRecord) =>
    claim &&
    ledger.settle(claim.key, record).then((held) => {
      if (!held) report('settle')(new IdempotencyKeyLostError());
    }, report('settle'));
  let ledgerUp = true;
  /** A ledger call before queueing: a 503 when it fails, unless the ledger is optional. */
  async function whileLedgerUp<T>(action: LedgerAction, call: () => Promise<T>) {
    if (!ledgerUp) return undefined;
    try {
      return await beforeQueueing(call);
    } catch (error) {
      if (!(options.ledgerOptional && error instanceof LedgerUnavailableError)) throw error;
      report(action)(error.cause);
      ledgerUp = false;
      return undefined;
    }
  }
  const claim =
    options.idempotency &&
    (await whileLedgerUp('claim', () => claimKey(request, options, dependencies, now)));
  if (claim?.replay) return { ...claim.replay, replayed: true };

  const requestId = claim?.record.requestId ?? options.requestId;
  const alreadyQueued = new Set(claim?.record.queuedParts ?? []);
  // A resumed request keeps the split its first attempt made, so its parts name the same people.
  const chunks = planInviteChunks(
    request,
    requestId,
    claim?.record.maxMessageBytes ?? dependencies.maxMessageBytes,
  );
  const expiresAt = now + retention.requestMs;
  const recording = whileLedgerUp('record', async () => {
    await ledger.recordRequest(
      {
        requestId,
        spaceId: request.spaceId,
        source: options.source,
        requestedBy: options.requestedBy,
        accessorCount: accessorCountOf(request),
        partCount: chunks.length,
        createdAt: now,
        expiresAt,
      },
      { isNew: options.ownRequestId === true && !claim?.resumed },
    );
    // A resumed request's parts refused before and queued now are pending again, not failed.
    if (claim?.resumed)
      await ledger.clearOutcomes(
        requestId,
        chunks.filter((chunk) => !alreadyQueued.has(chunk.part)).map((chunk) => chunk.part),
      );
  });

  const pending = chunks.filter((chunk) => !alreadyQueued.has(chunk.part));
  // Nothing is queued before the request is recorded: meanwhile its chunks are encoded, and the
  // calls that queue them prepared to leave once it is.
  const sending = mapInSlices(pending, ENCODE_SLICE, (chunk) => ({
    id: String(chunk.part),
    body: encodeInviteChunk(chunk),
  })).then(async (messages) => {
    const remaining = dependencies.remainingMs?.();
    const result = await queue.enqueue(messages, {
      acceptedAt: now,
      after: recording,
      ...(remaining === undefined ? {} : { timeoutMs: remaining - SETTLE_BUDGET_MS }),
    });
    return { messages, ...result };
  });
  const [recorded, sent] = await Promise.allSettled([recording, sending]);
  if (recorded.status === 'rejected') throw recorded.reason;
  if (sent.status === 'rejected') throw sent.reason;
  const { messages, queued, failed, lastError } = sent.value;
  const queuedParts = [...alreadyQueued, ...queued.map(Number)].sort((a, b) => a - b);
  const accepted = {
    requestId,
    accessorCount: accessorCountOf(request),
    messageCount: chunks.length,
  };
  /** The key's record once this attempt is over: done, or resumable for the parts not handled. */
  const settledAs = (done: boolean, handledParts: readonly number[]) =>
    claim && {
      ...claim.record,
      state: done ? IDEMPOTENCY_STATES.completed : IDEMPOTENCY_STATES.partial,
      lockedUntil: 0,
      accessorCount: accepted.accessorCount,
      messageCount: accepted.messageCount,
      queuedParts: [...handledParts].sort((a, b) => a - b),
    };
  if (failed.length > 0) {
    const notQueued = new Set(failed);
    const refused = pending.filter((chunk) => notQueued.has(String(chunk.part)));
    const refusedMessages = messages.filter((message) => notQueued.has(message.id));
    // What is handled so far is written down first, the key still held: an invocation that dies
    // while recording or parking is resumed, once the lock expires, for the rest only.
    const progress = (handled: readonly number[]) =>
      claim && settleKey({ ...claim.record, ...accepted, queuedParts: [...handled] });
    await progress(queuedParts);
    if (ledgerUp) {
      await recordNotQueued(ledger, refused, lastError, now, expiresAt).catch(
        report('recordNotQueued'),
      );
    }
    const { parked, parkError } = await parkAll(
      refusedMessages,
      lastError,
      options.parkUnqueued,
      (parkedSoFar) => progress([...queuedParts, ...parkedSoFar].sort((a, b) => a - b)),
    );
    const settled = settledAs(options.parkUnqueued !== undefined && parkError === undefined, [
      ...queuedParts,
      ...parked,
    ]);
    if (settled) await settleKey(settled);
    if (parkError !== undefined) throw parkError;
    throw new EnqueueError(queuedParts, refusedMessages, { cause: lastError, requestId });
  }
  const settled = settledAs(true, queuedParts);
  // Every chunk is queued: the answer stands even if the key cannot be settled now (the worker
  // skips parts already delivered should a retry queue them again).
  if (settled) await settleKey(settled);
  return { ...accepted, replayed: false };
}

/**
 * Parks refused chunks one by one until one cannot be, telling `parkedSoFar` after each:
 * the parts parked, and why it stopped.
 */
async function parkAll(
  messages: readonly OutgoingMessage[],
  cause: unknown,
  park: AcceptOptions['parkUnqueued'],
  parkedSoFar: (parts: readonly number[]) => Promise<unknown> | undefined,
): Promise<{ parked: number[]; parkError?: unknown }> {
  const parked: number[] = [];
  if (park === undefined) return { parked };
  for (const message of messages) {
    try {
      await park(message, cause);
    } catch (error) {
      return { parked, parkError: error ?? new Error('Parking a chunk failed') };
    }
    parked.push(Number(message.id));
    await parkedSoFar(parked);
  }
  return { parked };
}

interface Claim {
  key: string;
  record: IdempotencyRecord;
  replay?: Omit<AcceptedRequest, 'replayed'>;
  /** Taken over from an earlier request with the same key that did not finish. */
  resumed?: boolean;
}

/**
 * Claims the request's idempotency key, or finds what an earlier request with it became.
 * Throws `IdempotencyKeyMismatchError`, `IdempotencyKeyInUseError`, `LedgerUnavailableError`.
 */
async function claimKey(
  request: InviteRequest,
  options: AcceptOptions,
  dependencies: AcceptDependencies,
  now: number,
): Promise<Claim> {
  const { ledger, retention } = dependencies;
  const { scope, key: given } = options.idempotency as { scope: string; key: string };
  const key = idempotencyRecordKey(scope, given);
  const attempt = (dependencies.newAttempt ?? randomUUID)();
  const record: IdempotencyRecord = {
    fingerprint: requestFingerprint(request, { resend: request.resend }),
    requestId: options.requestId,
    attempt,
    state: IDEMPOTENCY_STATES.inProgress,
    lockedUntil: now + retention.lockMs,
    accessorCount: accessorCountOf(request),
    messageCount: 0,
    queuedParts: [],
    maxMessageBytes: dependencies.maxMessageBytes,
  };
  const existing = await beforeQueueing(() =>
    ledger.claim(key, record, now + retention.idempotencyMs, now),
  );
  if (existing === undefined) return { key, record };
  const decision = decideClaim(existing, record.fingerprint, now);
  switch (decision.kind) {
    case 'mismatch':
      throw new IdempotencyKeyMismatchError();
    case 'inProgress':
      throw new IdempotencyKeyInUseError(decision.retryAfterSeconds);
    case 'replay': {
      const { requestId, accessorCount, messageCount } = decision.record;
      return { key, record: decision.record, replay: { requestId, accessorCount, messageCount } };
    }
    case 'resume': {
      const lockedUntil = now + retention.lockMs;
      const expiresAt = now + retention.idempotencyMs;
      const taken = await beforeQueueing(() =>
        ledger.takeOver(key, decision.record, { attempt, lockedUntil, expiresAt }),
      );
      if (!taken) throw new IdempotencyKeyInUseError(1);
      return {
        key,
        record: {
          ...decision.record,
          state: IDEMPOTENCY_STATES.inProgress,
          lockedUntil,
          attempt,
        },
        resumed: true,
      };
    }
  }
}

/**
 * Records the chunks SQS refused as failed, so the status says why their accessors wait; several
 * at once, since a request cut short by its time limit may leave hundreds.
 */
async function recordNotQueued(
  ledger: RequestLedger,
  chunks: readonly InviteChunk[],
  cause: unknown,
  now: number,
  expiresAt: number,
): Promise<void> {
  await runConcurrently(chunks, OUTCOME_WRITES_AT_ONCE, async (chunk) => {
    await ledger.recordOutcome(
      {
        requestId: chunk.requestId,
        part: chunk.part,
        outcome: PART_OUTCOMES.failed,
        invitedCount: 0,
        skippedIds: [],
        failedIds: chunk.accessorIds,
        errorType: 'EnqueueFailed',
        errorMessage: `The chunk could not be queued: ${cause instanceof Error ? cause.message : String(cause ?? 'unknown error')}`,
        at: now,
      },
      expiresAt,
    );
  });
}
