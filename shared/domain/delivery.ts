import type { Invitation, InviteChunk } from './invite.ts';

/** A queue message as the worker receives it. */
export interface ReceivedMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  /** `ApproximateReceiveCount`: 1 on the first delivery. */
  receiveCount: number;
  /**
   * Set on a chunk already delivered whose outcome the ledger could not take at the time: it
   * is only recorded, never sent again.
   */
  delivered?: DeliveredMark;
}

/** The `DeliveredAt`/`SkippedIds` attributes of a chunk re-queued to be recorded. */
export interface DeliveredMark {
  /** Epoch milliseconds. */
  at: number;
  skippedIds: string[];
  /**
   * The skipped accessors as positions in the chunk (`encodeSkipped`): carried instead of
   * `skippedIds` when that list is too long for a message attribute.
   */
  skippedMask?: string;
}

/** A decoded message: what one record contributes to a call. */
export interface ReceivedChunk {
  message: ReceivedMessage;
  chunk: InviteChunk;
}

/** One SendInvites call: the chunks merged into it share space, title, body and `resend`. */
export interface PlannedCall extends Invitation {
  chunks: ReceivedChunk[];
}

/** Why a message was handed back to the queue with a delay. */
export type DelayCause =
  | 'throttled'
  | 'retry'
  | 'batchThrottled'
  | 'outOfTime'
  | 'paced'
  | 'ledger';
