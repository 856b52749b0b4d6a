import { createSqsClient } from '../../shared/adapters/sqs-client.ts';
import { SqsDeadLetterQueue } from '../../shared/adapters/sqs-dead-letter-queue.ts';
import { SqsInviteQueue } from '../../shared/adapters/sqs-invite-queue.ts';
import { readIntakeConfig } from '../../shared/config.ts';
import { createLogger } from '../../shared/logger.ts';
import { createIntakeHandler } from './intake.ts';

const config = readIntakeConfig();
const client = createSqsClient();

export const handler = createIntakeHandler({
  config,
  queue: new SqsInviteQueue({ client, queueUrl: config.invitesQueueUrl }),
  deadLetters: new SqsDeadLetterQueue({ client, queueUrl: config.deadLetterQueueUrl }),
  logger: createLogger(),
});
