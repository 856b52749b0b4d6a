import {
  type AwsClientOptions,
  FUNCTION_CLIENT_TIMEOUTS,
} from '../../shared/adapters/aws-client-options.ts';
import {
  CALL_GROUP_TIMEOUTS,
  DynamoDbCallGroups,
} from '../../shared/adapters/ledger/dynamodb-call-groups.ts';
import { createDynamoDbClient } from '../../shared/adapters/ledger/dynamodb-client.ts';
import { DynamoDbInviteHistory } from '../../shared/adapters/ledger/dynamodb-invite-history.ts';
import { DynamoDbOutcomes } from '../../shared/adapters/ledger/dynamodb-outcomes.ts';
import {
  DynamoDbRateStore,
  RATE_STORE_TIMEOUTS,
} from '../../shared/adapters/ledger/dynamodb-rate-store.ts';
import { RepostspaceClient } from '../../shared/adapters/repostspace/index.ts';
import { SqsBatchSource } from '../../shared/adapters/sqs-batch-source.ts';
import { createSqsClient } from '../../shared/adapters/sqs-client.ts';
import { SqsDeadLetterQueue } from '../../shared/adapters/sqs-dead-letter-queue.ts';
import { SqsDeliveredRequeue } from '../../shared/adapters/sqs-delivered-requeue.ts';
import { SqsVisibility } from '../../shared/adapters/sqs-visibility.ts';
import type { WorkerConfig } from '../../shared/config/worker-config.ts';
import { AdaptiveRateLimiter } from '../../shared/domain/adaptive-rate-limiter.ts';
import type { DeliveryObserver } from '../../shared/domain/ports.ts';
import { SharedCallPacer } from '../../shared/domain/shared-call-pacer.ts';
import { createTelemetry } from '../../shared/telemetry.ts';
import { createWorkerHandler } from './worker.ts';

/** The ledger item (`RATE#SendInvites`) every worker environment paces its calls by. */
const RATE_SCOPE = 'SendInvites';

/**
 * The worker with its real adapters, built once per execution environment from its
 * configuration. `aws` overrides region and credentials (the local stack); `metrics: false`
 * leaves EMF out; `watch` hears every delivery event besides the logs and metrics.
 */
export function buildWorkerHandler(
  config: WorkerConfig,
  options: {
    aws?: AwsClientOptions;
    metrics?: boolean;
    watch?: DeliveryObserver;
    /** `false`: no outcomes recorded, no invites remembered (the local ledger benchmark). */
    ledger?: boolean;
  } = {},
) {
  const sqs = createSqsClient({
    ...options.aws,
    endpoint: config.sqsEndpoint,
    timeouts: FUNCTION_CLIENT_TIMEOUTS,
  });
  const dynamodb = createDynamoDbClient({
    ...options.aws,
    endpoint: config.ledger.endpoint,
    timeouts: FUNCTION_CLIENT_TIMEOUTS,
  });
  const rateStore = createDynamoDbClient({
    ...options.aws,
    endpoint: config.ledger.endpoint,
    timeouts: RATE_STORE_TIMEOUTS,
  });
  // Never retried blindly: a join sent twice could land in two groups.
  const groups = createDynamoDbClient({
    ...options.aws,
    endpoint: config.ledger.endpoint,
    timeouts: CALL_GROUP_TIMEOUTS,
  });
  const credentials = options.aws?.credentials;
  const telemetry = createTelemetry(config.telemetry, options);
  return createWorkerHandler({
    config,
    ports: {
      sender: new RepostspaceClient({
        ...config.repostspace,
        requestTimeoutMs: config.sendInvitesTimeoutMs,
        ...(credentials ? { credentials } : {}),
      }),
      visibility: new SqsVisibility({ client: sqs, queueUrl: config.invitesQueueUrl }),
      deadLetters: new SqsDeadLetterQueue({ client: sqs, queueUrl: config.deadLetterQueueUrl }),
      batchSource: new SqsBatchSource({ client: sqs, queueUrl: config.invitesQueueUrl }),
      // One rate for every execution environment, kept in the ledger table; each environment's
      // own limiter (which outlives invocations) takes over while the table cannot be reached.
      pacer: new SharedCallPacer({
        store: new DynamoDbRateStore({
          client: rateStore,
          tableName: config.ledger.tableName,
          scope: RATE_SCOPE,
        }),
        fallback: new AdaptiveRateLimiter(),
        onStoreError: (error) =>
          telemetry.logger.warn('The shared rate is out of reach; pacing this environment alone', {
            error,
          }),
      }),
      ...(options.ledger === false
        ? {}
        : {
            ledger: new DynamoDbOutcomes({ client: dynamodb, tableName: config.ledger.tableName }),
            requeue: new SqsDeliveredRequeue({ client: sqs, queueUrl: config.invitesQueueUrl }),
            groups: new DynamoDbCallGroups({
              client: groups,
              tableName: config.ledger.tableName,
              onUnread: (count) =>
                telemetry.logger.warn(
                  'Hand-offs of a call group could not be read; their messages come back after their visibility timeout',
                  { count },
                ),
              onLeftClosing: (error) =>
                telemetry.logger.warn(
                  'A call group could not be marked closed; small batches of its content go alone until it is a minute past its close',
                  { error },
                ),
            }),
            history: new DynamoDbInviteHistory({
              client: dynamodb,
              tableName: config.ledger.tableName,
            }),
          }),
    },
    ...telemetry,
    ...(options.watch ? { watch: options.watch } : {}),
  });
}
