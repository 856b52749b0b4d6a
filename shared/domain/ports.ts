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
export interface SendInvitesInput {
  spaceId: string;
  accessorIds: string[];
  title: string;
  body: string;
}

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
