import { InvalidChunkMessageError } from './errors.ts';
import { decodeInviteChunk, type InviteChunk } from './invite-chunk.ts';
import { classifyOutcome, type Outcome } from './outcome.ts';
import { planCalls } from './plan-calls.ts';
import type { DeadLetterQueue, InviteSender, ParkReason, VisibilityControl } from './ports.ts';

/** A queue message as the worker receives it. */
export interface ReceivedMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  /** `ApproximateReceiveCount`: 1 on the first delivery. */
  receiveCount: number;
}

/** A decoded message: what one record contributes to a call. */
export interface ReceivedChunk {
  message: ReceivedMessage;
  chunk: InviteChunk;
}

/** One SendInvites call: the chunks merged into it share space, title and body. */
export interface PlannedCall {
  spaceId: string;
  title: string;
  body: string;
  accessorIds: string[];
  parts: ReceivedChunk[];
}

export type DelayCause = 'throttled' | 'retry' | 'batchThrottled' | 'outOfTime' | 'paced';

/** Hears what happens to each call and message, for logs and metrics; every method is optional. */
export interface DeliveryObserver {
  /** A call was made; `outcome` applies to every part of it. */
  called?(call: PlannedCall, outcome: Outcome, error: unknown, latencyMs: number): void;
  parked?(message: ReceivedMessage, reason: ParkReason, chunk?: InviteChunk): void;
  delayed?(message: ReceivedMessage, seconds: number, cause: DelayCause, chunk?: InviteChunk): void;
  /** Handing a message back or parking it failed: it stays on the queue as it was. */
  actionFailed?(message: ReceivedMessage, action: 'delay' | 'park', error: unknown): void;
}

/** Paces calls to the rate the service allows; see `AdaptiveRateLimiter`. */
export interface CallPacer {
  waitMs(): number;
  take(): void;
  succeeded(): void;
  throttled(retryAfterSeconds?: number): void;
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
  /** Paces calls across warm invocations; calls go out back to back without one. */
  pacer?: CallPacer;
  /** Longest the worker waits for the pacer inside an invocation before handing work back. */
  maxPaceWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

/** Seconds a message waits when the invocation runs out of time before its call. */
export const OUT_OF_TIME_DELAY_SECONDS = 1;
const DEFAULT_MAX_PACE_WAIT_MS = 2_000;

function singleCall(part: ReceivedChunk): PlannedCall {
  const { spaceId, title, body, accessorIds } = part.chunk;
  return { spaceId, title, body, accessorIds, parts: [part] };
}

function sendInvitesInput(call: PlannedCall) {
  const { spaceId, accessorIds, title, body } = call;
  return { spaceId, accessorIds, title, body };
}

/**
 * Delivers a batch: merges chunks that share space, title and body into as few SendInvites
 * calls of at most 1000 accessors as possible, paces the calls, and settles every message by
 * its call's outcome — delivered, handed back with a delay, or parked in the DLQ. After a
 * throttle no further call is made in this batch. Resolves to the IDs of the messages that
 * must stay on the queue (the rest may be deleted).
 */
export async function deliverChunks(
  messages: readonly ReceivedMessage[],
  dependencies: DeliveryDependencies,
): Promise<string[]> {
  const { sender, visibility, deadLetters, observer = {}, pacer, now = Date.now } = dependencies;
  const sleep =
    dependencies.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const maxPaceWaitMs = dependencies.maxPaceWaitMs ?? DEFAULT_MAX_PACE_WAIT_MS;
  const keep: string[] = [];
  let throttledFor: number | undefined;

  async function handBack(parts: readonly ReceivedChunk[], seconds: number, cause: DelayCause) {
    if (parts.length === 0) return;
    for (const part of parts) keep.push(part.message.messageId);
    let failed: Set<string>;
    try {
      failed = new Set(
        await visibility.delay(
          parts.map((part) => part.message.receiptHandle),
          seconds,
        ),
      );
    } catch {
      failed = new Set(parts.map((part) => part.message.receiptHandle));
    }
    for (const part of parts) {
      if (failed.has(part.message.receiptHandle)) {
        observer.actionFailed?.(part.message, 'delay', new Error('ChangeMessageVisibility failed'));
      } else {
        observer.delayed?.(part.message, seconds, cause, part.chunk);
      }
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

  const received: ReceivedChunk[] = [];
  for (const message of messages) {
    try {
      received.push({ message, chunk: decodeInviteChunk(message.body) });
    } catch (error) {
      if (!(error instanceof InvalidChunkMessageError)) throw error;
      await park(message, { errorType: 'InvalidMessage', errorMessage: error.message });
    }
  }

  const calls = planCalls(received);
  for (let index = 0; index < calls.length; index++) {
    const call = calls[index] as PlannedCall;
    if (throttledFor !== undefined) {
      // Calls after a throttle would only be throttled too: the rest wait as long, in one go.
      await handBack(
        calls.slice(index).flatMap((rest) => rest.parts),
        throttledFor,
        'batchThrottled',
      );
      break;
    }
    const paceMs = pacer?.waitMs() ?? 0;
    if (paceMs > maxPaceWaitMs) {
      await handBack(call.parts, Math.ceil(paceMs / 1000), 'paced');
      continue;
    }
    if (dependencies.remainingMs() - paceMs < dependencies.callBudgetMs) {
      await handBack(call.parts, OUT_OF_TIME_DELAY_SECONDS, 'outOfTime');
      continue;
    }
    if (paceMs > 0) await sleep(paceMs);
    pacer?.take();

    const started = now();
    let failure: unknown;
    try {
      await sender.sendInvites(sendInvitesInput(call));
    } catch (error) {
      failure = error ?? new Error('SendInvites rejected without an error');
    }
    const latencyMs = now() - started;
    // Backoff follows the part that has been received most often.
    const receiveCount = Math.max(...call.parts.map((part) => part.message.receiveCount));
    const outcome = classifyOutcome(failure, {
      receiveCount,
      ...(dependencies.random ? { random: dependencies.random } : {}),
    });
    observer.called?.(call, outcome, failure, latencyMs);
    switch (outcome.kind) {
      case 'delivered':
        pacer?.succeeded();
        break;
      case 'throttled':
        pacer?.throttled(outcome.delaySeconds);
        throttledFor = outcome.delaySeconds;
        await handBack(call.parts, outcome.delaySeconds, 'throttled');
        break;
      case 'retry':
        await handBack(call.parts, outcome.delaySeconds, 'retry');
        break;
      case 'park': {
        if (call.parts.length > 1) {
          // One chunk may be what the service refuses: each is tried alone before any is parked.
          calls.splice(index + 1, 0, ...call.parts.map((part) => singleCall(part)));
          break;
        }
        const { errorType, errorMessage, serviceRequestId } = outcome;
        const reason = serviceRequestId
          ? { errorType, errorMessage, serviceRequestId }
          : { errorType, errorMessage };
        for (const part of call.parts) await park(part.message, reason, part.chunk);
        break;
      }
    }
  }
  return keep;
}
