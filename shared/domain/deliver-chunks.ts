import { backoffDelay } from '../lib/backoff.ts';
import { beforeDeadline } from '../lib/before-deadline.ts';
import { runConcurrently } from '../lib/run-concurrently.ts';
import { sleep as timerSleep } from '../lib/sleep.ts';
import { deliveredSettling, type SkippedOf } from './delivered-settling.ts';
import type {
  DelayCause,
  DeliveredMark,
  PlannedCall,
  ReceivedChunk,
  ReceivedMessage,
} from './delivery.ts';
import {
  DEFAULT_MAX_PACE_WAIT_MS,
  type DeliveryDependencies,
  LEDGER_MIN_WAIT_MS,
  LEDGER_WAIT_RESERVE_MS,
  LEDGER_WRITES_AT_ONCE,
  OUT_OF_TIME_DELAY_SECONDS,
  SETTLE_RESERVE_MS,
  settleReserveMs,
} from './delivery-dependencies.ts';
import { partKey } from './delivery-recorder.ts';
import { InvalidChunkMessageError } from './errors.ts';
import type { InviteChunk } from './invite.ts';
import { decodeInviteChunk } from './invite-chunk.ts';
import {
  type InvitedRecently,
  recentlyInvited,
  rememberInvited,
  requestOfAccessor,
  withoutSkipped,
} from './invite-once.ts';
import { clampVisibility, classifyOutcome, RETRY_DEFAULTS } from './outcome.ts';
import { parkReasonFor } from './park-reason.ts';
import { chunksToSend, planCalls, sendInvitesInput, singleCall } from './plan-calls.ts';
import type { ParkReason } from './ports.ts';
import { failuresOf } from './receipt-failures.ts';
import { skippedOfMark } from './skipped-mask.ts';

export type { DeliveryDependencies } from './delivery-dependencies.ts';

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
  const { sender, visibility, deadLetters, observer = {}, pacer, recorder } = dependencies;
  const now = dependencies.now ?? Date.now;
  const sleep = dependencies.sleep ?? timerSleep;
  const maxPaceWaitMs = dependencies.maxPaceWaitMs ?? DEFAULT_MAX_PACE_WAIT_MS;
  const keep: string[] = [];
  let throttledFor: number | undefined;
  // What this invocation has delivered, by space, while its records are still being written.
  const invitedHere = new Map<string, Set<string>>();

  // Set once a ledger call went unanswered: later ones get no grace past the reserve.
  let ledgerSilent = false;

  /** A ledger read or write, or `failed` (what it answers when it fails) once its time is up. */
  async function inTime<T, F>(work: Promise<T>, failed: F): Promise<T | F> {
    const left = dependencies.remainingMs();
    const least = ledgerSilent ? 0 : Math.min(LEDGER_MIN_WAIT_MS, left - SETTLE_RESERVE_MS);
    const answer = await beforeDeadline(work, Math.max(left - LEDGER_WAIT_RESERVE_MS, least));
    if (answer !== undefined) return answer;
    ledgerSilent = true;
    return failed;
  }

  /**
   * Hands chunks back to the queue for `seconds`. `skippedOf` names who of a chunk was left out
   * as invited recently, when its call looked that up. A chunk on its last receive would only
   * move to the DLQ next, with no reason on it: it is recorded failed and parked now, with one.
   */
  async function handBack(
    received: readonly ReceivedChunk[],
    seconds: number,
    cause: DelayCause,
    skippedOf?: SkippedOf,
    lastError?: string,
  ) {
    const last = cause === 'ledger' ? [] : received.filter(onLastReceive);
    const why = lastError === undefined ? cause : `${cause}, ${lastError}`.slice(0, 1_000);
    await runConcurrently(last, LEDGER_WRITES_AT_ONCE, (item) =>
      parkLastReceive(item, why, skippedOf),
    );
    const rest = received.filter((item) => !last.includes(item));
    if (rest.length === 0) return;
    for (const { message } of rest) keep.push(message.messageId);
    const handles = rest.map(({ message }) => message.receiptHandle);
    const failed = await failuresOf(handles, () => visibility.delay(handles, seconds));
    for (const { message, chunk } of rest) {
      const error = failed.get(message.receiptHandle);
      if (error) observer.actionFailed?.(message, 'delay', error);
      else observer.delayed?.(message, seconds, cause, chunk);
    }
  }

  /** Whether SQS moves the chunk to the DLQ, with no reason on it, when it is next received. */
  function onLastReceive(item: ReceivedChunk): boolean {
    const { maxReceiveCount } = dependencies;
    return maxReceiveCount !== undefined && item.message.receiveCount >= maxReceiveCount;
  }

  /** Parks a message; false when the DLQ refused it and it stays on the queue. */
  async function park(message: ReceivedMessage, reason: ParkReason, chunk?: InviteChunk) {
    try {
      await deadLetters.park(message.body, reason);
      observer.parked?.(message, reason, chunk);
      return true;
    } catch (error) {
      keep.push(message.messageId);
      observer.actionFailed?.(message, 'park', error);
      return false;
    }
  }

  /**
   * Tells whom a chunk left out as invited recently, once its fate is settled (recorded
   * delivered, or parked): a chunk handed back and received again is told once, not per receive.
   */
  function skippedSettled(item: ReceivedChunk, skippedIds: readonly string[]) {
    if (skippedIds.length > 0) observer.skipped?.(singleCall(item), skippedIds.length);
  }

  /**
   * Records a chunk on its last receive as failed, counting whoever was invited recently as
   * skipped (looked up here when no call did), and parks it with the reason. Parked even when
   * the ledger cannot take the record: the DLQ then still says why.
   */
  async function parkLastReceive(
    item: ReceivedChunk,
    why: string,
    skippedOf: SkippedOf | undefined,
  ) {
    const reason = {
      errorType: 'MaxReceiveCountExceeded',
      errorMessage: `Not delivered after ${item.message.receiveCount} receives (last: ${why})`,
    };
    const { spaceId } = item.chunk;
    let skippedIds = skippedOf?.(item.chunk) ?? [];
    if (recorder) {
      if (!skippedOf) {
        const call = singleCall(item);
        const found = await inTime(
          recentlyInvited(call, dependencies.inviteOnce, invitedHere.get(spaceId)),
          new Map<string, string | undefined>(),
        );
        skippedIds = withoutSkipped(call, found).skippedOf(item.chunk);
      }
      await inTime(recorder.failed(item, reason, skippedIds), false);
    }
    if (await park(item.message, reason, item.chunk)) skippedSettled(item, skippedIds);
  }

  /** Keeps chunks whose outcome the ledger could not take, to record on a later receive. */
  async function handBackForLedger(received: readonly ReceivedChunk[]) {
    if (received.length === 0) return;
    const receiveCount = Math.max(...received.map(({ message }) => message.receiveCount));
    const seconds = backoffDelay(receiveCount, {
      base: RETRY_DEFAULTS.backoffBaseSeconds,
      max: RETRY_DEFAULTS.backoffMaxSeconds,
      ...(dependencies.random ? { random: dependencies.random } : {}),
    });
    await handBack(received, clampVisibility(seconds), 'ledger');
  }

  const records = deliveredSettling({
    ...(recorder ? { recorder } : {}),
    ...(dependencies.requeue ? { requeue: dependencies.requeue } : {}),
    observer,
    now,
    settled: skippedSettled,
    keep: (item) => handBackForLedger([item]),
  });

  const received: ReceivedChunk[] = [];
  for (const message of messages) {
    try {
      received.push({ message, chunk: decodeInviteChunk(message.body) });
    } catch (error) {
      if (!(error instanceof InvalidChunkMessageError)) throw error;
      await park(message, parkReasonFor(error));
    }
  }

  // A chunk marked delivered (re-queued while the ledger was down) is only recorded; one the
  // ledger knows as delivered (a redelivered message), or whose marked copy is in this batch,
  // needs nothing. Neither is sent again, and nor is a second copy of a part in the batch.
  const marked = received.filter(({ message }) => message.delivered !== undefined);
  const unmarked = received.filter((item) => !marked.includes(item));
  const deliveredParts = recorder
    ? await inTime(recorder.alreadyDelivered(unmarked), new Set<string>())
    : new Set<string>();
  for (const item of marked) deliveredParts.add(partKey(item));
  const { send, delivered, copies } = chunksToSend(unmarked, deliveredParts);
  for (const item of delivered) observer.alreadyDelivered?.(item.message, item.chunk);
  for (const item of copies) observer.copyInBatch?.(item.message, item.chunk);
  const unrecorded: ReceivedChunk[] = [];
  await runConcurrently(marked, LEDGER_WRITES_AT_ONCE, async (item) => {
    const mark = item.message.delivered as DeliveredMark;
    const skippedIds = skippedOfMark(mark, item.chunk);
    if (recorder && !(await inTime(recorder.delivered(item, skippedIds, mark.at), false))) {
      unrecorded.push(item);
    } else skippedSettled(item, skippedIds);
  });
  await handBackForLedger(unrecorded);
  const calls = planCalls(send);
  const skippedBy = new Map<PlannedCall, InvitedRecently>();
  const settledWithoutCall = new Set<ReceivedChunk>();
  // A chunk with another message of its part in the batch shares its call's fate: recorded
  // delivered on its own, it would have the other skipped as delivered on its next receive.
  const seenParts = new Set<string>();
  const twinParts = new Set<string>();
  for (const key of send.map(partKey)) (seenParts.has(key) ? twinParts : seenParts).add(key);
  const alone = (item: ReceivedChunk) => !twinParts.has(partKey(item));
  /** The chunks of the calls from `index` on, but those already settled without a call. */
  const restFrom = (index: number) =>
    calls
      .slice(index)
      .flatMap(({ chunks }) => chunks)
      .filter((item) => !settledWithoutCall.has(item));
  let settleFailures: unknown[] = [];
  try {
    for (let index = 0; index < calls.length; index++) {
      const planned = calls[index] as PlannedCall;
      if (throttledFor !== undefined) {
        // Calls after a throttle would only be throttled too: the rest wait as long, in one go.
        await handBack(restFrom(index), throttledFor, 'batchThrottled');
        break;
      }
      if (dependencies.remainingMs() < dependencies.callBudgetMs) {
        // No call can start any more: the rest go back at once, none waiting for a lookup.
        await handBack(restFrom(index), OUT_OF_TIME_DELAY_SECONDS, 'outOfTime');
        break;
      }
      // Looked up once per planned call, so a call paced again is not counted twice.
      let skipped = skippedBy.get(planned);
      if (skipped === undefined) {
        const lookup = recentlyInvited(
          planned,
          dependencies.inviteOnce,
          invitedHere.get(planned.spaceId),
        );
        skipped = await inTime(lookup, undefined);
        if (skipped === undefined) {
          // No answer before the end: nothing goes out unlooked-up, and the rest go back at once.
          await handBack(restFrom(index), OUT_OF_TIME_DELAY_SECONDS, 'outOfTime');
          break;
        }
        skippedBy.set(planned, skipped);
      }
      const { sent: call, skippedOf, nothingToSend } = withoutSkipped(planned, skipped, alone);
      // Chunks whose accessors were all invited recently are delivered without a call.
      const noCall =
        call.accessorIds.length === 0 ? [...nothingToSend, ...call.chunks] : nothingToSend;
      const unsent = noCall.filter((item) => !settledWithoutCall.has(item));
      for (const item of unsent) settledWithoutCall.add(item);
      if (unsent.length > 0) records.later(unsent, skippedOf);
      if (call.accessorIds.length === 0) continue;
      // A shared pacer holds the start it reports: it is asked for none the call could not use.
      const usableWaitMs = Math.min(
        maxPaceWaitMs,
        dependencies.remainingMs() - dependencies.callBudgetMs,
      );
      const paceMs = pacer && usableWaitMs >= 0 ? await pacer.waitMs(usableWaitMs) : 0;
      if (paceMs > maxPaceWaitMs) {
        await handBack(call.chunks, clampVisibility(paceMs / 1000), 'paced', skippedOf);
        continue;
      }
      /** Hands the call back when, after `waitMs`, too little time would be left for it. */
      const outOfTime = async (waitMs: number) => {
        if (dependencies.remainingMs() - waitMs >= dependencies.callBudgetMs) return false;
        await handBack(call.chunks, OUT_OF_TIME_DELAY_SECONDS, 'outOfTime', skippedOf);
        return true;
      };
      if (await outOfTime(paceMs)) continue;
      if (paceMs > 0) await sleep(paceMs);
      if (pacer && !(await pacer.take())) {
        // A throttle elsewhere revoked the start held for this call: it is paced again.
        calls.splice(index + 1, 0, planned);
        continue;
      }
      // Taking a start held ahead asks the store again, which may have taken a while.
      if (await outOfTime(0)) continue;

      const started = now();
      let failure: unknown;
      let serviceRequestId: string | undefined;
      try {
        ({ requestId: serviceRequestId } = await sender.sendInvites(sendInvitesInput(call)));
      } catch (error) {
        failure = error ?? new Error('SendInvites rejected without an error');
      }
      const latencyMs = now() - started;
      // Backoff follows the chunk that has been received most often.
      const receiveCount = Math.max(...call.chunks.map(({ message }) => message.receiveCount));
      const outcome = classifyOutcome(failure, {
        receiveCount,
        ...(dependencies.random ? { random: dependencies.random } : {}),
      });
      observer.called?.(call, outcome, failure, latencyMs, serviceRequestId);
      switch (outcome.kind) {
        case 'delivered': {
          await pacer?.succeeded();
          // Written while the next call goes out, and all of it before the invocation returns:
          // who was invited first, then each chunk's outcome.
          const invited = invitedHere.get(call.spaceId) ?? new Set<string>();
          for (const id of call.accessorIds) invited.add(id);
          invitedHere.set(call.spaceId, invited);
          const requestOf = requestOfAccessor(call);
          const { spaceId, accessorIds } = call;
          records.later(call.chunks, skippedOf, () =>
            rememberInvited(spaceId, accessorIds, dependencies.inviteOnce, requestOf),
          );
          break;
        }
        case 'throttled':
          await pacer?.throttled(outcome.delaySeconds);
          throttledFor = outcome.delaySeconds;
          await handBack(call.chunks, outcome.delaySeconds, 'throttled', skippedOf);
          break;
        case 'retry': {
          const lastError = `${outcome.errorType}: ${outcome.errorMessage}`;
          await handBack(call.chunks, outcome.delaySeconds, 'retry', skippedOf, lastError);
          break;
        }
        case 'park': {
          if (call.chunks.length > 1 && !outcome.wholeCall) {
            // One chunk may be what the service refuses: each is tried alone before any is parked.
            calls.splice(index + 1, 0, ...call.chunks.map(singleCall));
            break;
          }
          const { errorType, errorMessage, serviceRequestId } = outcome;
          const reason = serviceRequestId
            ? { errorType, errorMessage, serviceRequestId }
            : { errorType, errorMessage };
          // Several at once: a call of a thousand one-person chunks parks in seconds, not minutes.
          await runConcurrently(call.chunks, LEDGER_WRITES_AT_ONCE, async (item) => {
            // Recorded first: a park the ledger does not know of would leave the part pending.
            const skippedIds = skippedOf(item.chunk);
            const failed =
              recorder && (await inTime(recorder.failed(item, reason, skippedIds), false));
            // Kept for a later record, unless SQS would only move it to the DLQ next, with no
            // reason on it: then parked all the same, and the DLQ says why.
            if (failed === false && !onLastReceive(item)) await handBackForLedger([item]);
            else if (await park(item.message, reason, item.chunk)) skippedSettled(item, skippedIds);
          });
          break;
        }
      }
    }
  } finally {
    // Every record under way lands before the invocation ends, even when the loop failed: the
    // batch then comes back, and a delivered chunk found recorded is not sent again. What the
    // ledger has not recorded when time runs short goes back marked delivered instead.
    // The more chunks may need putting back, the sooner that starts; records still landing from
    // a table that answers get a moment all the same, within the base reserve.
    const left = dependencies.remainingMs();
    const least = ledgerSilent ? 0 : Math.min(LEDGER_MIN_WAIT_MS, left - SETTLE_RESERVE_MS);
    settleFailures = await records.finish(
      Math.max(left - settleReserveMs(records.unsettled), least),
    );
  }
  if (settleFailures.length > 0) throw settleFailures[0];
  return keep;
}
