import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { deliveredMarkOf } from '../../shared/adapters/sqs-delivered-requeue.ts';
import { LEDGER_DEFAULTS } from '../../shared/config/settings-reader.ts';
import type { WorkerConfig } from '../../shared/config/worker-config.ts';
import { deliverChunks } from '../../shared/domain/deliver-chunks.ts';
import { DeliveryRecorder } from '../../shared/domain/delivery-recorder.ts';
import type {
  CallPacer,
  DeadLetterQueue,
  DeliveredRequeue,
  DeliveryObserver,
  InviteHistory,
  InviteSender,
  OutcomeLedger,
  VisibilityControl,
} from '../../shared/domain/ports.ts';
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
}

export interface WorkerDependencies {
  config: Pick<WorkerConfig, 'callBudgetMs'> &
    Partial<Pick<WorkerConfig, 'maxReceiveCount'>> & {
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

  async function worker(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
    const messages = event.Records.map((record) => {
      const delivered = deliveredMarkOf(record.messageAttributes);
      return {
        messageId: record.messageId,
        receiptHandle: record.receiptHandle,
        body: record.body,
        receiveCount: Number(record.attributes.ApproximateReceiveCount) || 1,
        ...(delivered ? { delivered } : {}),
      };
    });
    const { sender, visibility, deadLetters, pacer, requeue } = ports;
    const inviteOnce = ports.history && {
      history: ports.history,
      windowMs: config.ledger?.reinviteAfterMs ?? LEDGER_DEFAULTS.reinviteAfterDays * 86_400_000,
      now: Date.now,
      onError: (action: string, error: unknown) => observer.ledgerFailed?.(action, error),
    };
    const keep = await deliverChunks(messages, {
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
    return { batchItemFailures: keep.map((itemIdentifier) => ({ itemIdentifier })) };
  }

  // The event carries title and body: never logged, whatever POWERTOOLS_LOGGER_LOG_EVENT says.
  const handler = middy(worker).use(
    injectLambdaContext(logger, { resetKeys: true, logEvent: false }),
  );
  return metrics ? handler.use(logMetrics(metrics)) : handler;
}
