import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type CallPacer, deliverChunks } from '../../shared/domain/deliver-chunks.ts';
import type {
  DeadLetterQueue,
  InviteSender,
  VisibilityControl,
} from '../../shared/domain/ports.ts';
import { createDeliveryObserver } from './observer.ts';

export interface WorkerDependencies {
  sender: InviteSender;
  visibility: VisibilityControl;
  deadLetters: DeadLetterQueue;
  logger: Logger;
  metrics: Metrics;
  /** No SendInvites call starts with less time left than this. */
  callBudgetMs: number;
  /** Paces calls across warm invocations of this execution environment. */
  pacer?: CallPacer;
  random?: () => number;
}

/** The worker Lambda: an SQS batch of chunks in, the messages to keep on the queue out. */
export function createWorkerHandler(dependencies: WorkerDependencies) {
  const { logger, metrics } = dependencies;
  const observer = createDeliveryObserver(logger, metrics);

  async function worker(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
    const messages = event.Records.map((record) => ({
      messageId: record.messageId,
      receiptHandle: record.receiptHandle,
      body: record.body,
      receiveCount: Number(record.attributes.ApproximateReceiveCount) || 1,
    }));
    const keep = await deliverChunks(messages, {
      ...dependencies,
      observer,
      remainingMs: () => context.getRemainingTimeInMillis(),
    });
    return { batchItemFailures: keep.map((itemIdentifier) => ({ itemIdentifier })) };
  }

  // The event carries title and body: never logged, whatever POWERTOOLS_LOGGER_LOG_EVENT says.
  return middy(worker)
    .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
    .use(logMetrics(metrics));
}
