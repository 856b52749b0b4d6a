import {
  type AwsClientOptions,
  FUNCTION_CLIENT_TIMEOUTS,
} from '../../shared/adapters/aws-client-options.ts';
import { createDynamoDbClient } from '../../shared/adapters/ledger/dynamodb-client.ts';
import { DynamoDbInviteHistory } from '../../shared/adapters/ledger/dynamodb-invite-history.ts';
import { DynamoDbRequestLedger } from '../../shared/adapters/ledger/dynamodb-request-ledger.ts';
import { createSqsClient } from '../../shared/adapters/sqs-client.ts';
import { SqsDeadLetterQueue } from '../../shared/adapters/sqs-dead-letter-queue.ts';
import { SqsInviteQueue } from '../../shared/adapters/sqs-invite-queue.ts';
import type { IntakeConfig } from '../../shared/config/intake-config.ts';
import type { IntakeObserver } from '../../shared/domain/ports.ts';
import { createTelemetry } from '../../shared/telemetry.ts';
import { createIntakeHandler } from './intake.ts';

/**
 * The intake with its real adapters, built once per execution environment from its
 * configuration. `aws` overrides region and credentials (the local stack); `metrics: false`
 * leaves EMF out; `watch` hears what becomes of every request besides the logs and metrics.
 */
export function buildIntakeHandler(
  config: IntakeConfig,
  options: { aws?: AwsClientOptions; metrics?: boolean; watch?: IntakeObserver } = {},
) {
  const sqs = createSqsClient({ ...options.aws, endpoint: config.sqsEndpoint });
  // The SQS client has none: queueing stops at the invocation's own deadline (SqsInviteQueue).
  const dynamodb = createDynamoDbClient({
    ...options.aws,
    endpoint: config.ledger.endpoint,
    timeouts: FUNCTION_CLIENT_TIMEOUTS,
  });
  return createIntakeHandler({
    config,
    ports: {
      queue: new SqsInviteQueue({ client: sqs, queueUrl: config.invitesQueueUrl }),
      deadLetters: new SqsDeadLetterQueue({ client: sqs, queueUrl: config.deadLetterQueueUrl }),
      ledger: new DynamoDbRequestLedger({ client: dynamodb, tableName: config.ledger.tableName }),
      history: new DynamoDbInviteHistory({ client: dynamodb, tableName: config.ledger.tableName }),
    },
    ...createTelemetry(config.telemetry, options),
    ...(options.watch ? { watch: options.watch } : {}),
  });
}
