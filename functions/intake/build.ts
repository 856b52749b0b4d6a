import type { AwsClientOptions } from '../../shared/adapters/aws-client-options.ts';
import { createSqsClient } from '../../shared/adapters/sqs-client.ts';
import { SqsDeadLetterQueue } from '../../shared/adapters/sqs-dead-letter-queue.ts';
import { SqsInviteQueue } from '../../shared/adapters/sqs-invite-queue.ts';
import type { IntakeConfig } from '../../shared/config/intake-config.ts';
import { createTelemetry } from '../../shared/telemetry.ts';
import { createIntakeHandler } from './intake.ts';

/**
 * The intake with its real adapters, built once per execution environment from its
 * configuration. `aws` overrides region and credentials (the local stack); `metrics: false`
 * leaves EMF out.
 */
export function buildIntakeHandler(
  config: IntakeConfig,
  options: { aws?: AwsClientOptions; metrics?: boolean } = {},
) {
  const sqs = createSqsClient({ ...options.aws, endpoint: config.sqsEndpoint });
  return createIntakeHandler({
    config,
    ports: {
      queue: new SqsInviteQueue({ client: sqs, queueUrl: config.invitesQueueUrl }),
      deadLetters: new SqsDeadLetterQueue({ client: sqs, queueUrl: config.deadLetterQueueUrl }),
    },
    ...createTelemetry(config.telemetry, options),
  });
}
