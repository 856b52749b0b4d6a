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
