import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { receivedMessageOfRecord } from '../../shared/adapters/sqs-batch-source.ts';
import { acceptedAtOf } from '../../shared/adapters/sqs-invite-queue.ts';
import { LEDGER_DEFAULTS } from '../../shared/config/settings-reader.ts';
import type { WorkerConfig } from '../../shared/config/worker-config.ts';
import { gather } from '../../shared/domain/call-group.ts';
import { deliverChunks } from '../../shared/domain/deliver-chunks.ts';
import type { ReceivedMessage } from '../../shared/domain/delivery.ts';
import { DeliveryRecorder } from '../../shared/domain/delivery-recorder.ts';
import type {
  BatchSource,
  CallGroups,
  CallPacer,
  DeadLetterQueue,
  DeliveredRequeue,
  DeliveryObserver,
  InviteHistory,
  InviteSender,
  OutcomeLedger,
  VisibilityControl,
} from '../../shared/domain/ports.ts';
import { failuresOf } from '../../shared/domain/receipt-failures.ts';
import {
  gatheringMs,
  TOP_UP_CALL_LEAD_MS,
  TOP_UP_LATE_GATHERING_MS,
} from '../../shared/domain/top-up.ts';
import { alongside } from '../../shared/lib/alongside.ts';
import { createDeliveryObserver } from './observer.ts';

export interface WorkerPorts {
  sender: InviteSender;
  visibility: VisibilityControl;
  deadLetters: DeadLetterQueue;
  /** Paces calls across warm invocations and every execution environment. */
  pacer?: CallPacer;
  /** The request ledger; outcomes are not recorded without it. */
  ledger?: OutcomeLedger;
  /** Where a delivered chunk the ledger could not record goes back, marked as delivered. */
  requeue?: DeliveredRequeue;
  /** When accessors were last invited: who to leave out (`REINVITE_AFTER_DAYS`). */
  history?: InviteHistory;
  /** The invites queue read directly, to top up a small batch (`TOP_UP_WINDOW_MS`). */
  batchSource?: BatchSource;
  /** Small batches pooled into one call across environments, while topping up. */
  groups?: CallGroups;
}

export interface WorkerDependencies {
  config: Pick<WorkerConfig, 'callBudgetMs'> &
    Partial<Pick<WorkerConfig, 'maxReceiveCount' | 'topUpWindowMs'>> & {
      ledger?: Pick<WorkerConfig['ledger'], 'requestRetentionMs' | 'reinviteAfterMs'>;
    };
  ports: WorkerPorts;
  logger: Logger;
  /** EMF metrics, flushed after each invocation; none locally. */
  metrics?: Metrics;
  /** Defaults to logging with `logger` and counting with `metrics`. */
  observer?: DeliveryObserver;
  /** Hears every event too, after `observer` (the local stack's tallies). */
  watch?: DeliveryObserver;
  random?: () => number;
}

/** The worker Lambda: an SQS batch of chunks in, the messages to keep on the queue out. */
export function createWorkerHandler(dependencies: WorkerDependencies) {
  const { config, ports, logger, metrics, random } = dependencies;
  const logged = dependencies.observer ?? createDeliveryObserver(logger, metrics);
  const observer = dependencies.watch ? alongside(logged, dependencies.watch) : logged;
  const recorder =
    ports.ledger &&
    new DeliveryRecorder({
      ledger: ports.ledger,
      retentionMs:
        config.ledger?.requestRetentionMs ?? LEDGER_DEFAULTS.requestRetentionDays * 86_400_000,
      now: Date.now,
      onError: (action, error) => observer.ledgerFailed?.(action, error),
    });

  /**
   * More messages for a batch of fewer accessors than a call takes, received until its call must
   * start for the window to hold (`gatheringMs`) since the oldest of its requests was accepted
   * (since it was queued, for a message without `AcceptedAt`): a burst of one-person requests
   * then shares calls as a larger batch size would. A bulk batch (a call's worth already) is not
   * held at all, and a message handed back (accepted long ago) only `TOP_UP_LATE_GATHERING_MS`.
   * With `groups`, the burst shares calls across environments too: a small batch joins the call
   * another environment gathers, or gathers one others join (`gather`).
   */
  async function gatherOf(event: SQSEvent, messages: ReceivedMessage[], context: Context) {
    const { batchSource, groups } = ports;
    const windowMs = config.topUpWindowMs ?? 0;
    const alone = { handedOff: false, extra: [] } as const;
    if (!batchSource || windowMs <= 0) return alone;
    const oldest = Math.min(
      ...event.Records.map(
        (record) =>
          acceptedAtOf(record.messageAttributes) ?? Number(record.attributes.SentTimestamp),
      ),
    );
    if (!Number.isFinite(oldest)) return alone;
    const now = Date.now();
    // Gathering ends in time for the call to start by the last moment one can.
    const deadline =
      now + context.getRemainingTimeInMillis() - config.callBudgetMs - TOP_UP_CALL_LEAD_MS;
    if (deadline <= now) return alone;
    // A clock ahead of this one does not stretch the window; a late batch still gathers a little.
    const windowEnd = Math.min(oldest, now) + gatheringMs(windowMs);
    const until = Math.min(Math.max(windowEnd, now + TOP_UP_LATE_GATHERING_MS), deadline);
    return gather(messages, {
      source: batchSource,
      until,
      deadline,
      ...(groups ? { groups } : {}),
      ...(config.maxReceiveCount ? { maxReceiveCount: config.maxReceiveCount } : {}),
      onError: (error) => observer.topUpFailed?.(error),
      onGroupError: (action, error) => observer.ledgerFailed?.(`${action} a call group`, error),
      onHandedIn: (handed, group) => observer.handedIn?.(handed, group),
    });
  }

  /** Deletes the settled messages the worker received itself; the rest come back in time. */
  async function settleTopUp(extra: readonly ReceivedMessage[], keep: ReadonlySet<string>) {
    const done = extra.filter((message) => !keep.has(message.messageId));
    if (!ports.batchSource || done.length === 0) return;
    const source = ports.batchSource;
    const handles = done.map((message) => message.receiptHandle);
    // What could not be deleted is tried once more.
    const refused = [...(await failuresOf(handles, () => source.delete(handles))).keys()];
    const failed =
      refused.length > 0 ? await failuresOf(refused, () => source.delete(refused)) : new Map();
    for (const message of done) {
      const error = failed.get(message.receiptHandle);
      if (error) observer.actionFailed?.(message, 'delete', error);
    }
  }

  async function worker(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
    const messages = event.Records.map(receivedMessageOfRecord);
    const { sender, visibility, deadLetters, pacer, requeue } = ports;
    const inviteOnce = ports.history && {
      history: ports.history,
      windowMs: config.ledger?.reinviteAfterMs ?? LEDGER_DEFAULTS.reinviteAfterDays * 86_400_000,
      now: Date.now,
      onError: (action: string, error: unknown) => observer.ledgerFailed?.(action, error),
    };
    const gathered = await gatherOf(event, messages, context);
    if (gathered.handedOff) {
      // Kept on the queue, invisible: the leader of the group settles them.
      observer.handedOff?.(messages, gathered.accessors, gathered.joined);
      return {
        batchItemFailures: messages.map((message) => ({ itemIdentifier: message.messageId })),
      };
    }
    const { extra } = gathered;
    const keep = await deliverChunks([...messages, ...extra], {
      sender,
      visibility,
      deadLetters,
      ...(pacer ? { pacer } : {}),
      ...(recorder ? { recorder } : {}),
      ...(requeue ? { requeue } : {}),
      ...(inviteOnce ? { inviteOnce } : {}),
      ...(config.maxReceiveCount ? { maxReceiveCount: config.maxReceiveCount } : {}),
      callBudgetMs: config.callBudgetMs,
      observer,
      remainingMs: () => context.getRemainingTimeInMillis(),
      ...(random ? { random } : {}),
    });
    const kept = new Set(keep);
    await settleTopUp(extra, kept);
    // Only the mapping's own messages: an identifier it did not hand over fails the whole batch.
    return {
      batchItemFailures: messages
        .filter((message) => kept.has(message.messageId))
        .map((message) => ({ itemIdentifier: message.messageId })),
    };
  }

  // The event carries title and body: never logged, whatever POWERTOOLS_LOGGER_LOG_EVENT says.
  const handler = middy(worker).use(
    injectLambdaContext(logger, { resetKeys: true, logEvent: false }),
  );
  return metrics ? handler.use(logMetrics(metrics)) : handler;
}
