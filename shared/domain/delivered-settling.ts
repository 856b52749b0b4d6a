import { beforeDeadline } from '../lib/before-deadline.ts';
import { runConcurrently } from '../lib/run-concurrently.ts';
import type { ReceivedChunk } from './delivery.ts';
import { LEDGER_WRITES_AT_ONCE } from './delivery-dependencies.ts';
import type { DeliveryRecorder } from './delivery-recorder.ts';
import type { InviteChunk } from './invite.ts';
import type { DeliveredRequeue, DeliveryObserver } from './ports.ts';
import { deliveredMark } from './skipped-mask.ts';

/** Whom a chunk left out as invited recently. */
export type SkippedOf = (chunk: InviteChunk) => string[];

export interface DeliveredSettlingOptions {
  recorder?: DeliveryRecorder;
  /** Where a delivered chunk the ledger could not record goes back, marked as delivered. */
  requeue?: DeliveredRequeue;
  observer: DeliveryObserver;
  now: () => number;
  /** Told of a chunk recorded delivered, with whom it left out. */
  settled: (item: ReceivedChunk, skippedIds: readonly string[]) => void;
  /** Keeps on the queue a delivered chunk that could not be put back marked either. */
  keep: (item: ReceivedChunk) => Promise<void>;
}

/**
 * The records of what a batch delivered, written while the batch goes on. A chunk the ledger
 * cannot take goes back on the queue marked delivered, so whichever environment receives it
 * records it without calling; one that cannot be put back either is kept as it is, at the cost
 * of a repeated call should it return to another environment.
 */
export function deliveredSettling(options: DeliveredSettlingOptions) {
  const { recorder, observer } = options;
  // Delivered chunks whose records are being written (with whom each left out), and the re-queue,
  // marked delivered, of each the ledger could not take or the invocation could not wait for.
  const unsettled = new Map<ReceivedChunk, string[]>();
  const putBack = new Map<ReceivedChunk, Promise<void>>();
  const settling: Promise<void>[] = [];
  // What went wrong settling: the batch then comes back whole.
  const failures: unknown[] = [];

  async function requeueDelivered(item: ReceivedChunk, skippedIds: string[]) {
    try {
      const { requeue } = options;
      if (requeue === undefined) throw new Error('No queue to put the delivered chunk back on');
      const mark = deliveredMark(options.now(), item.chunk, skippedIds);
      await requeue.requeueDelivered(item.message.body, mark);
      observer.requeued?.(item.message, item.chunk);
    } catch (error) {
      observer.actionFailed?.(item.message, 'requeue', error);
      await options.keep(item);
    }
  }

  /** Re-queues a delivered chunk marked delivered, once however often it is asked to. */
  function putBackDelivered(item: ReceivedChunk, skippedIds: string[]): Promise<void> {
    const requeued = putBack.get(item) ?? requeueDelivered(item, skippedIds);
    putBack.set(item, requeued);
    return requeued;
  }

  async function settle(item: ReceivedChunk, skippedIds: string[]) {
    try {
      const recorded = !recorder || (await recorder.delivered(item, skippedIds));
      if (recorded) options.settled(item, skippedIds);
      else await putBackDelivered(item, skippedIds);
    } finally {
      unsettled.delete(item);
    }
  }

  return {
    /**
     * Records delivered chunks, after `first` when given, several at a time (a call merging
     * dozens of onboarding events would otherwise wait a round trip per chunk), while the batch
     * goes on.
     */
    later(items: readonly ReceivedChunk[], skippedOf: SkippedOf, first?: () => Promise<void>) {
      for (const item of items) unsettled.set(item, skippedOf(item.chunk));
      const settled = (async () => {
        await first?.();
        await runConcurrently(items, LEDGER_WRITES_AT_ONCE, (item) =>
          settle(item, skippedOf(item.chunk)),
        );
      })();
      // Heard at once, so a failure waits for `finish` instead of ending the process.
      settled.catch((error: unknown) => failures.push(error));
      settling.push(settled);
    },

    /** How many delivered chunks are not recorded yet: at most that many need putting back. */
    get unsettled(): number {
      return unsettled.size;
    },

    /**
     * Waits for every record under way for at most `ms`, then puts back marked delivered what
     * the ledger has not recorded. Resolves to what went wrong settling, if anything did.
     */
    async finish(ms: number): Promise<unknown[]> {
      await beforeDeadline(Promise.allSettled(settling), ms);
      await runConcurrently([...unsettled], LEDGER_WRITES_AT_ONCE, ([item, skippedIds]) =>
        putBackDelivered(item, skippedIds),
      );
      return failures;
    },
  };
}
