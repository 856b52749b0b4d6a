import type { DelayCause, PlannedCall, ReceivedMessage } from './delivery.ts';
import type { Invitation, InviteChunk } from './invite.ts';
import type { Outcome } from './outcome.ts';

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

/** Where accepted chunks wait for the worker. */
export interface InviteQueue {
  enqueue(messages: readonly OutgoingMessage[]): Promise<EnqueueResult>;
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

/** Hands received messages back to their queue, to be delivered again after a delay. */
export interface VisibilityControl {
  /** Resolves to the receipt handles whose delay could not be set (they keep their timeout). */
  delay(receiptHandles: readonly string[], seconds: number): Promise<string[]>;
}

/** Paces calls to the rate the service allows; see `AdaptiveRateLimiter`. */
export interface CallPacer {
  /** Milliseconds until a call may start; 0 when one may start now. */
  waitMs(): number;
  /** Takes the right to make one call. */
  take(): void;
  succeeded(): void;
  throttled(retryAfterSeconds?: number): void;
}

/** Hears what happens to each call and message, for logs and metrics; every method is optional. */
export interface DeliveryObserver {
  /** A call was made; `outcome` applies to every chunk of it. */
  called?(call: PlannedCall, outcome: Outcome, error: unknown, latencyMs: number): void;
  parked?(message: ReceivedMessage, reason: ParkReason, chunk?: InviteChunk): void;
  delayed?(message: ReceivedMessage, seconds: number, cause: DelayCause, chunk?: InviteChunk): void;
  /** Handing a message back or parking it failed: it stays on the queue as it was. */
  actionFailed?(message: ReceivedMessage, action: 'delay' | 'park', error: unknown): void;
}

/** Where a request came from: the HTTP API or an HR event. */
export type RequestSource = 'http' | 'event';

/** A request the intake accepted, for logs and metrics. */
export interface AcceptedReport {
  source: RequestSource;
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
}

/** The parts of a `PipelineError` an observer reads (kept structural so ports import no classes). */
export interface PipelineErrorLike {
  errorType: string;
  message: string;
  reason?: string;
  fieldList?: { name: string; message: string }[];
  spaceId?: string;
}
