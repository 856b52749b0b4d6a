import { RepostspaceClient } from '../../shared/adapters/repostspace/index.ts';
import { createSqsClient } from '../../shared/adapters/sqs-client.ts';
import { SqsDeadLetterQueue } from '../../shared/adapters/sqs-dead-letter-queue.ts';
import { SqsVisibility } from '../../shared/adapters/sqs-visibility.ts';
import { readWorkerConfig } from '../../shared/config.ts';
import { AdaptiveRateLimiter } from '../../shared/domain/adaptive-rate-limiter.ts';
import { createLogger } from '../../shared/logger.ts';
import { createMetrics } from '../../shared/metrics.ts';
import { createWorkerHandler } from './worker.ts';

const config = readWorkerConfig();
const sqs = createSqsClient();

export const handler = createWorkerHandler({
  sender: new RepostspaceClient({ requestTimeoutMs: config.sendInvitesTimeoutMs }),
  visibility: new SqsVisibility({ client: sqs, queueUrl: config.invitesQueueUrl }),
  deadLetters: new SqsDeadLetterQueue({ client: sqs, queueUrl: config.deadLetterQueueUrl }),
  logger: createLogger(),
  metrics: createMetrics(),
  callBudgetMs: config.callBudgetMs,
  // One per execution environment: what it learns about the service's rate outlives invocations.
  pacer: new AdaptiveRateLimiter(),
});
