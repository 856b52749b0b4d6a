import type { DelayCause, DeliveredMark, PlannedCall, ReceivedMessage } from './delivery.ts';
import type { Invitation, InviteChunk } from './invite.ts';
import type { Outcome } from './outcome.ts';
import type {
  AccessorResult,
  AccessorResultKind,
  PartOutcome,
  PartSummary,
  RequestRecord,
  RequestSource,
} from './request-record.ts';

/** A message bound for a queue; `id` is unique within one call. */
export interface OutgoingMessage {
  id: string;
  body: string;
}

export interface EnqueueResult {
  /** IDs of the messages the queue accepted. */
  queued: string[];
  /** IDs of the messages that could not be queued after every retry. */
  failed: string[];
  /** The last error a whole call failed with, if any did. */
  lastError?: unknown;
}

export interface EnqueueOptions {
  /**
   * How long sending may take, in milliseconds: calls still under way then are abandoned and
   * none starts after it; what is not queued by then counts as failed.
   */
  timeoutMs?: number;
  /**
   * When the request was accepted (epoch milliseconds), carried by every message: the worker
   * counts the window it tops small batches up in from it.
   */
  acceptedAt?: number;
  /**
   * Nothing is sent before this resolves; the calls may be prepared meanwhile. When it rejects,
   * `enqueue` rejects with its reason, having sent nothing.
   */
  after?: Promise<unknown>;
}

/** Where accepted chunks wait for the worker. */
export interface InviteQueue {
  enqueue(messages: readonly OutgoingMessage[], options?: EnqueueOptions): Promise<EnqueueResult>;
}

/** Why a message was parked: carried as message attributes so an operator can read it. */
export interface ParkReason {
  errorType: string;
  errorMessage: string;
  serviceRequestId?: string;
}

/** Where what can never succeed is parked for an operator, with its reason. */
export interface DeadLetterQueue {
  park(body: string, reason: ParkReason): Promise<void>;
}

/** The SendInvites input, shaped as in the official `@aws-sdk/client-repostspace`. */
export type SendInvitesInput = Invitation;

export interface SendInvitesOutput {
  /** The service's `x-amzn-requestid`. */
  requestId?: string;
}

/**
 * The one place the pipeline talks to re:Post Private. Rejects with an error whose `name`
 * is the service's error type (`ThrottlingException`, `ValidationException`, ...).
 */
export interface InviteSender {
  sendInvites(input: SendInvitesInput): Promise<SendInvitesOutput>;
}

/**
 * Puts a delivered chunk back on the invites queue marked as delivered, so whichever execution
 * environment receives it records the outcome and calls nothing.
 */
export interface DeliveredRequeue {
  requeueDelivered(body: string, mark: DeliveredMark): Promise<void>;
}

/** Hands received messages back to their queue, to be delivered again after a delay. */
/** A received message an SQS batch action failed for, with what SQS said (or the call threw). */
export interface ReceiptFailure {
  receiptHandle: string;
  error: Error;
}

export interface VisibilityControl {
  /** Resolves to the messages whose delay could not be set (they keep their timeout). */
  delay(receiptHandles: readonly string[], seconds: number): Promise<ReceiptFailure[]>;
}

/**
 * The invites queue as the worker reads it itself, beside the event source mapping: to top up a
 * small batch. What it receives, the worker settles: the mapping does not know those messages.
 */
export interface BatchSource {
  /** Up to `max` (at most 10) messages, waiting up to `waitSeconds` for the first. */
  receive(max: number, waitSeconds: number): Promise<ReceivedMessage[]>;
  /** Deletes settled messages; resolves to the messages it could not delete. */
  delete(receiptHandles: readonly string[]): Promise<ReceiptFailure[]>;
}

/** A small batch handed to the call another worker gathers (`CallGroups.join`). */
export interface HandOff {
  messages: readonly ReceivedMessage[];
  /** What the messages take of the group's room: accessors, and their bodies' bytes. */
  accessors: number;
  bytes: number;
  /** Epoch ms: only a group that closes by then takes them, or they would wait past their window. */
  latestClose: number;
}

/**
 * Small batches of one call's content pooled across worker environments (`GROUP#` items): one
 * worker leads a group and settles what the others hand it; what it never settles comes back
 * after its visibility timeout.
 */
export interface CallGroups {
  /** Opens a group the caller leads until `closesAt`; false when another of the content is open. */
  open(
    contentKey: string,
    group: { token: string; closesAt: number; room: number; bytesLeft: number },
    now: number,
  ): Promise<boolean>;
  /** Hands the messages to the open group; refused: `'retry'` (try again soon) or false. */
  join(contentKey: string, handOff: HandOff, now: number): Promise<Joined | false | 'retry'>;
  /** Closes the caller's group at `now` (epoch ms): resolves to the messages handed to it. */
  close(contentKey: string, token: string, now?: number): Promise<ReceivedMessage[]>;
}

/** A hand-off a group took: its leader's token, unknown when the join's answer was lost. */
export interface Joined {
  group: string | undefined;
  /** Why the answer was lost: the join counts as made, its messages wait for the leader. */
  error?: unknown;
}

/** Paces calls to the rate the service allows; see `SharedCallPacer` and `AdaptiveRateLimiter`. */
export interface CallPacer {
  /**
   * Milliseconds until a call may start; 0 when one may start now. A start within `maxWaitMs` is
   * held for the next `take()`; a later one is only reported.
   */
  waitMs(maxWaitMs: number): Promise<number>;
  /**
   * Takes the right to make one call, after waiting what `waitMs` said. Resolves to false when a
   * throttle elsewhere revoked the start it held: the call must be paced again.
   */
  take(): Promise<boolean>;
  succeeded(): Promise<void>;
  throttled(retryAfterSeconds?: number): Promise<void>;
}

/** The pacing state every execution environment shares, one item per rate-limited operation. */
export interface SharedRateState {
  /** Earliest start (epoch ms) of the next call: the end of the schedule. */
  nextAt: number;
  /** How many times the rate was cut; a start is held, and a throttle counts, within one epoch. */
  epoch: number;
  /** Calls per second being sent at the last cut; 0 while the service has never throttled. */
  lastMaxRate: number;
  /** When the rate was last cut (epoch ms); 0 while never. */
  throttledAt: number;
  /**
   * Since when (epoch ms) `calls` counts: the start of a spell after an idle one, or the end of
   * a pause, when the service's bucket was full.
   */
  since: number;
  calls: number;
  /** Since when `busyCalls` counts: the last start that found the schedule ended. */
  busySince: number;
  busyCalls: number;
}

/** Asks for the next start of a call, as `SharedRateStore.reserve` takes it. */
export interface RateReservation {
  /** The state the caller computed `intervalMs` from; a state of another epoch holds nothing. */
  expected: SharedRateState | undefined;
  now: number;
  /** A start later than this is not held. */
  latestStart: number;
  /** Spacing after the start taken, from the rate at `expected`. */
  intervalMs: number;
  /**
   * A schedule that ended before this was idle: counting `calls` starts over. One that has
   * ended at all starts counting `busyCalls` over.
   */
  restartBefore: number;
}

/** Cuts the shared rate after a throttle, once per epoch. */
export interface RateCut {
  /** The epoch of the start the throttled call was made in. */
  epoch: number;
  now: number;
  lastMaxRate: number;
  /** No call starts before this: the service's `Retry-After`. */
  pausedUntil: number;
}

/** Where the shared pacing state lives; every operation is atomic. */
export interface SharedRateStore {
  /** The current state; undefined before any call was ever paced. */
  read(): Promise<SharedRateState | undefined>;
  /**
   * Takes the start `max(nextAt, now)` for one call and moves `nextAt` `intervalMs` past it, when
   * the state is still of `expected`'s epoch and that start is no later than `latestStart`.
   * Resolves to the start taken (none when refused) and the state after.
   */
  reserve(request: RateReservation): Promise<{ startAt?: number; state: SharedRateState }>;
  /**
   * Starts a new epoch with `lastMaxRate`, paused until `pausedUntil`, unless the rate was cut
   * already since `epoch`. Resolves to the new state, or undefined when it was cut already.
   */
  cut(request: RateCut): Promise<SharedRateState | undefined>;
}

/** Hears what happens to each call and message, for logs and metrics; every method is optional. */
export interface DeliveryObserver {
  /**
   * A call was made; `outcome` applies to every chunk of it. `serviceRequestId` is the ID the
   * service gave a call it accepted, for AWS Support.
   */
  called?(
    call: PlannedCall,
    outcome: Outcome,
    error: unknown,
    latencyMs: number,
    serviceRequestId?: string,
  ): void;
  parked?(message: ReceivedMessage, reason: ParkReason, chunk?: InviteChunk): void;
  delayed?(message: ReceivedMessage, seconds: number, cause: DelayCause, chunk?: InviteChunk): void;
  /** Handing a message back or parking it failed: it stays on the queue as it was. */
  actionFailed?(
    message: ReceivedMessage,
    action: 'delay' | 'park' | 'requeue' | 'delete',
    error: unknown,
  ): void;
  /** Accessors of a call left out: invited to the space within `REINVITE_AFTER_DAYS`. */
  skipped?(call: PlannedCall, accessorCount: number): void;
  /** The ledger says this chunk was delivered already (a redelivered message): no call. */
  alreadyDelivered?(message: ReceivedMessage, chunk: InviteChunk): void;
  /** A second copy of a part already in this batch: no call, and the copy is deleted. */
  copyInBatch?(message: ReceivedMessage, chunk: InviteChunk): void;
  /** A delivered chunk the ledger could not record was re-queued, marked as delivered. */
  requeued?(message: ReceivedMessage, chunk: InviteChunk): void;
  /** A ledger call failed; delivery went on without it. */
  ledgerFailed?(action: string, error: unknown): void;
  /** Receiving more to top a small batch up failed; the batch went as it was. */
  topUpFailed?(error: unknown): void;
  /** A small batch was handed to the call another worker gathers; it settles the messages. */
  handedOff?(messages: readonly ReceivedMessage[], accessors: number, joined: Joined): void;
  /** A gathering worker was handed messages by others, to send in its call. */
  handedIn?(messages: readonly ReceivedMessage[], group: string): void;
}

/** A request the intake accepted, for logs and metrics. */
export interface AcceptedReport {
  source: RequestSource;
  requestId: string;
  /** The IAM principal, or the HR event's source and account. */
  requestedBy: string;
  /** An earlier request with the same idempotency key answered; nothing new was queued. */
  replayed: boolean;
  spaceId: string;
  accessorCount: number;
  messageCount: number;
  /** The HR event's detail-type. */
  detailType?: string;
  /** Logged at DEBUG only: accessor IDs are personal data. */
  accessorIds: readonly string[];
}

/** Hears what the intake does with each request, for logs and metrics; every method is optional. */
export interface IntakeObserver {
  accepted?(report: AcceptedReport): void;
  /** A request or event refused by the pipeline's rules; nothing of it was queued. */
  rejected?(source: RequestSource, error: PipelineErrorLike, detailType?: string): void;
  /** Some chunks could not be queued; `parked` when they went to the DLQ instead. */
  partlyQueued?(
    source: RequestSource,
    report: { queuedParts: number[]; failedParts: number[]; cause: unknown; parked: boolean },
  ): void;
  /** An HR event or its chunks were parked in the DLQ with this reason. */
  parked?(reason: ParkReason, messageCount: number): void;
  /** Something the intake did not expect; the caller gets a 500, or Lambda retries the event. */
  failed?(source: RequestSource, error: unknown): void;
  /** A dry run answered: nothing was queued or recorded. */
  previewed?(spaceId: string, accessorCount: number, requestedBy: string): void;
  /** A ledger write failed after the chunks were queued, or was skipped for an HR event. */
  ledgerFailed?(source: RequestSource, action: string, error: unknown): void;
}

/** The parts of a `PipelineError` an observer reads (kept structural so ports import no classes). */
export interface PipelineErrorLike {
  errorType: string;
  message: string;
  reason?: string;
  fieldList?: { name: string; message: string }[];
  spaceId?: string;
}

/** The request ledger as the intake writes it. */
export interface RequestLedger {
  /**
   * Records a request; a request already recorded (a resumed one) is left as it is. With `isNew`,
   * the caller knows no record of the request can exist (its ID is this attempt's own), and it
   * is written without looking for one.
   */
  recordRequest(record: RequestRecord, options?: { isNew?: boolean }): Promise<void>;
  /** Records what became of one part; a delivered part is never marked failed again. */
  recordOutcome(outcome: PartOutcome, expiresAt: number): Promise<void>;
  /** Forgets the failed outcomes of parts that are queued again. */
  clearOutcomes(requestId: string, parts: readonly number[]): Promise<void>;
}

/** The request ledger as the worker uses it. */
export interface OutcomeLedger {
  /** Which of these parts are already delivered, as `requestId#part`. */
  deliveredParts(parts: readonly { requestId: string; part: number }[]): Promise<Set<string>>;
  recordOutcome(outcome: PartOutcome, expiresAt: number): Promise<void>;
}

/** A page of accessor results and where the next one starts. */
export interface AccessorPage {
  items: AccessorResult[];
  nextToken?: string;
}

/** The request ledger as the status function reads it. */
export interface LedgerReader {
  /** The request, or undefined when it is unknown or expired at `now`. */
  request(requestId: string, now: number): Promise<RequestRecord | undefined>;
  parts(requestId: string): Promise<PartSummary[]>;
  /** Throws `InviteValidationError` for a `nextToken` this reader did not hand out. */
  accessors(
    requestId: string,
    kind: AccessorResultKind,
    page: { limit: number; nextToken?: string },
  ): Promise<AccessorPage>;
}

/** When accessors were last invited to a space: what makes the pipeline invite each person once. */
export interface InviteHistory {
  /**
   * The accessors of `accessorIds` invited to the space at or after `since` (epoch ms) whose
   * record has not expired by `now` (an expired one counts as gone, whenever TTL deletes it),
   * each with the request that invited them when the record names it.
   */
  invitedSince(
    spaceId: string,
    accessorIds: readonly string[],
    since: number,
    now: number,
  ): Promise<Map<string, string | undefined>>;
  /**
   * Remembers that these accessors were invited at `at`, until `expiresAt` (epoch ms), and by
   * which request (`requestIdOf`), so an operator can find out what became of one person.
   */
  remember(
    spaceId: string,
    accessorIds: readonly string[],
    at: number,
    expiresAt: number,
    requestIdOf?: (accessorId: string) => string | undefined,
  ): Promise<void>;
}
