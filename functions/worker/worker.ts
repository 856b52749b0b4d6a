import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { LEDGER_DEFAULTS } from '../../shared/config/settings-reader.ts';
import type { WorkerConfig } from '../../shared/config/worker-config.ts';
import { deliverChunks } from '../../shared/domain/deliver-chunks.ts';
import { DeliveryRecorder } from '../../shared/domain/delivery-recorder.ts';
import type {
  CallPacer,
  DeadLetterQueue,
  DeliveryObserver,
  InviteSender,
  OutcomeLedger,
  VisibilityControl,
} from '../../shared/domain/ports.ts';
import { createDeliveryObserver } from './observer.ts';

export interface WorkerPorts {
  sender: InviteSender;
  visibility: VisibilityControl;
  deadLetters: DeadLetterQueue;
  /** Paces calls across warm invocations and every execution environment. */
  pacer?: CallPacer;
  /** The request ledger; outcomes are not recorded without it. */
  ledger?: OutcomeLedger;
}

export interface WorkerDependencies {
  config: Pick<WorkerConfig, 'callBudgetMs'> &
    Partial<Pick<WorkerConfig, 'maxReceiveCount'>> & {
      ledger?: Pick<WorkerConfig['ledger'], 'requestRetentionMs'>;
    };
  ports: WorkerPorts;
  logger: Logger;
  /** EMF metrics, flushed after each invocation; none locally. */
  metrics?: Metrics;
  /** Defaults to logging with `logger` and counting with `metrics`. */
  observer?: DeliveryObserver;
  random?: () => number;
}

/** The worker Lambda: an SQS batch of chunks in, the messages to keep on the queue out. */
export function createWorkerHandler(dependencies: WorkerDependencies) {
  const { config, ports, logger, metrics, random } = dependencies;
  const observer = dependencies.observer ?? createDeliveryObserver(logger, metrics);
  const recorder =
    ports.ledger &&
    new DeliveryRecorder({
      ledger: ports.ledger,
      // One per execution environment: outcomes it could not record outlive the invocation.
      unrecorded: new Map(),
      retentionMs:
        config.ledger?.requestRetentionMs ?? LEDGER_DEFAULTS.requestRetentionDays * 86_400_000,
      now: Date.now,
      onError: (action, error) => observer.ledgerFailed?.(action, error),
    });

  async function worker(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
    const messages = event.Records.map((record) => ({
      messageId: record.messageId,
      receiptHandle: record.receiptHandle,
      body: record.body,
      receiveCount: Number(record.attributes.ApproximateReceiveCount) || 1,
    }));
    const { sender, visibility, deadLetters, pacer } = ports;
    const keep = await deliverChunks(messages, {
      sender,
      visibility,
      deadLetters,
      ...(pacer ? { pacer } : {}),
      ...(recorder ? { recorder } : {}),
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
