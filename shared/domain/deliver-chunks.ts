import { InvalidChunkMessageError } from './errors.ts';
import { decodeInviteChunk, type InviteChunk } from './invite-chunk.ts';
import { classifyOutcome, type Outcome } from './outcome.ts';
import type { DeadLetterQueue, InviteSender, ParkReason, VisibilityControl } from './ports.ts';

/** A queue message as the worker receives it. */
export interface ReceivedMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  /** `ApproximateReceiveCount`: 1 on the first delivery. */
  receiveCount: number;
}

export type DelayCause = 'throttled' | 'retry' | 'batchThrottled' | 'outOfTime';

/** Hears what happens to each message, for logs and metrics; every method is optional. */
export interface DeliveryObserver {
  delivered?(message: ReceivedMessage, chunk: InviteChunk, latencyMs: number): void;
  callFailed?(
    message: ReceivedMessage,
    chunk: InviteChunk,
    outcome: Outcome,
    error: unknown,
    latencyMs: number,
  ): void;
  parked?(message: ReceivedMessage, reason: ParkReason, chunk?: InviteChunk): void;
  delayed?(message: ReceivedMessage, seconds: number, cause: DelayCause, chunk?: InviteChunk): void;
  /** Handing a message back or parking it failed: it stays on the queue as it was. */
  actionFailed?(message: ReceivedMessage, action: 'delay' | 'park', error: unknown): void;
}

export interface DeliveryDependencies {
  sender: InviteSender;
  visibility: VisibilityControl;
  deadLetters: DeadLetterQueue;
  /** Milliseconds left before the invocation times out. */
  remainingMs: () => number;
  /** No call starts with less time left than this: one call's timeout plus bookkeeping. */
  callBudgetMs: number;
  observer?: DeliveryObserver;
  random?: () => number;
  now?: () => number;
}

/** Seconds a message waits when the invocation runs out of time before its call. */
export const OUT_OF_TIME_DELAY_SECONDS = 1;

/**
 * Sends each chunk to SendInvites and settles it: delivered, handed back with a delay, or
 * parked in the DLQ. After a throttle no further call is made in this batch. Resolves to the
 * IDs of the messages that must stay on the queue (the rest may be deleted).
 */
export async function deliverChunks(
  messages: readonly ReceivedMessage[],
  dependencies: DeliveryDependencies,
): Promise<string[]> {
  const { sender, visibility, deadLetters, observer = {}, now = Date.now } = dependencies;
  const keep: string[] = [];
  let throttledFor: number | undefined;

  async function handBack(
    message: ReceivedMessage,
    seconds: number,
    cause: DelayCause,
    chunk?: InviteChunk,
  ) {
    keep.push(message.messageId);
    try {
      await visibility.delay(message.receiptHandle, seconds);
      observer.delayed?.(message, seconds, cause, chunk);
    } catch (error) {
      observer.actionFailed?.(message, 'delay', error);
    }
  }

  async function park(message: ReceivedMessage, reason: ParkReason, chunk?: InviteChunk) {
    try {
      await deadLetters.park(message.body, reason);
      observer.parked?.(message, reason, chunk);
    } catch (error) {
      keep.push(message.messageId);
      observer.actionFailed?.(message, 'park', error);
    }
  }

  for (const message of messages) {
    let chunk: InviteChunk;
    try {
      chunk = decodeInviteChunk(message.body);
    } catch (error) {
      if (!(error instanceof InvalidChunkMessageError)) throw error;
      await park(message, { errorType: 'InvalidMessage', errorMessage: error.message });
      continue;
    }
    if (throttledFor !== undefined) {
      await handBack(message, throttledFor, 'batchThrottled', chunk);
      continue;
    }
    if (dependencies.remainingMs() < dependencies.callBudgetMs) {
      await handBack(message, OUT_OF_TIME_DELAY_SECONDS, 'outOfTime', chunk);
      continue;
    }

    const started = now();
    let failure: unknown;
    try {
      const { spaceId, accessorIds, title, body } = chunk;
      await sender.sendInvites({ spaceId, accessorIds, title, body });
    } catch (error) {
      failure = error ?? new Error('SendInvites rejected without an error');
    }
    const latencyMs = now() - started;
    const outcome = classifyOutcome(failure, {
      receiveCount: message.receiveCount,
      ...(dependencies.random ? { random: dependencies.random } : {}),
    });
    if (outcome.kind === 'delivered') {
      observer.delivered?.(message, chunk, latencyMs);
      continue;
    }
    observer.callFailed?.(message, chunk, outcome, failure, latencyMs);
    switch (outcome.kind) {
      case 'throttled':
        throttledFor = outcome.delaySeconds;
        await handBack(message, outcome.delaySeconds, 'throttled', chunk);
        break;
      case 'retry':
        await handBack(message, outcome.delaySeconds, 'retry', chunk);
        break;
      case 'park': {
        const { errorType, errorMessage, serviceRequestId } = outcome;
        await park(
          message,
          serviceRequestId
            ? { errorType, errorMessage, serviceRequestId }
            : { errorType, errorMessage },
          chunk,
        );
        break;
      }
    }
  }
  return keep;
}
