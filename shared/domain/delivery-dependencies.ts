import type { DeliveryRecorder } from './delivery-recorder.ts';
import type { InviteOnceOptions } from './invite-once.ts';
import type {
  CallPacer,
  DeadLetterQueue,
  DeliveredRequeue,
  DeliveryObserver,
  InviteSender,
  VisibilityControl,
} from './ports.ts';

/** Seconds a message waits when the invocation runs out of time before its call. */
export const OUT_OF_TIME_DELAY_SECONDS = 1;
/**
 * A hand-back spends a receive of each chunk in it: with one start every few seconds, handing
 * back whatever waits longer than a moment would have a large request's last chunks received a
 * hundred times before their turn, and parked. Waiting inside the invocation spends none.
 */
export const DEFAULT_MAX_PACE_WAIT_MS = 30_000;
/** Ledger writes for the chunks of one call in flight at once. */
export const LEDGER_WRITES_AT_ONCE = 16;
/**
 * Time kept at the end of an invocation to put back, marked delivered, the delivered chunks the
 * ledger has not recorded yet: killed at its time limit, the invocation would leave them to come
 * back unmarked and be sent again.
 */
export const SETTLE_RESERVE_MS = 1_500;
/**
 * What the reserve grows by for each further round of `LEDGER_WRITES_AT_ONCE` chunks to put
 * back: a call of a thousand one-person chunks may have that many to re-queue.
 */
export const PUT_BACK_ROUND_MS = 100;

/** Time to keep for putting back `count` delivered chunks: the reserve covers the first round. */
export function settleReserveMs(count: number): number {
  const rounds = Math.ceil(count / LEDGER_WRITES_AT_ONCE);
  return SETTLE_RESERVE_MS + Math.max(0, rounds - 1) * PUT_BACK_ROUND_MS;
}
/**
 * The ledger reads and writes a batch waits for give up this long before its time limit, each
 * answered as if it had failed: a table that stops answering must not hold the invocation until
 * it is killed, or what it delivered comes back unmarked and is sent again. What is left is for
 * handing back what was not sent and putting back what was (`SETTLE_RESERVE_MS`).
 */
export const LEDGER_WAIT_RESERVE_MS = 2 * SETTLE_RESERVE_MS;
/** A ledger call gets at least this long while the settle reserve allows: a healthy table answers in milliseconds. */
export const LEDGER_MIN_WAIT_MS = 250;

/** What `deliverChunks` works with: the ports it settles messages through, and its limits. */
export interface DeliveryDependencies {
  sender: InviteSender;
  visibility: VisibilityControl;
  deadLetters: DeadLetterQueue;
  /** Milliseconds left before the invocation times out. */
  remainingMs: () => number;
  /** No call starts with less time left than this: one call's timeout plus bookkeeping. */
  callBudgetMs: number;
  observer?: DeliveryObserver;
  /** Paces calls across warm invocations and environments; calls go out back to back without one. */
  pacer?: CallPacer;
  /** Longest the worker waits for the pacer inside an invocation before handing work back. */
  maxPaceWaitMs?: number;
  /** Records each chunk's outcome in the request ledger; nothing is recorded without one. */
  recorder?: DeliveryRecorder;
  /** Where a delivered chunk the ledger could not record goes back, marked as delivered. */
  requeue?: DeliveredRequeue;
  /** Leaves out accessors invited to the space recently (`REINVITE_AFTER_DAYS`). */
  inviteOnce?: InviteOnceOptions;
  /** The queue's `maxReceiveCount`: a chunk handed back on its last receive is recorded failed and parked. */
  maxReceiveCount?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}
