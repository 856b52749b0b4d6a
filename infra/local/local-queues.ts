import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { QueueDefinition } from './definitions.ts';

export interface LocalQueue {
  name: string;
  url: string;
  arn: string;
}

async function arnOf(client: SQSClient, url: string): Promise<string> {
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  return Attributes?.QueueArn ?? '';
}

/** Creates the queue with its attributes, or brings an existing one's attributes up to date. */
async function ensureQueue(
  client: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<LocalQueue> {
  let url: string;
  try {
    url =
      (await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes })))
        .QueueUrl ?? '';
  } catch (error) {
    if (
      (error as Error).name !== 'QueueAlreadyExists' &&
      (error as Error).name !== 'QueueNameExists'
    )
      throw error;
    url = (await client.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl ?? '';
    await client.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes }));
  }
  return { name, url, arn: await arnOf(client, url) };
}

/** Creates the invites queue and its DLQ as `infra/` defines them (idempotent). */
export async function ensureLocalQueues(
  client: SQSClient,
  definitions: { invites: QueueDefinition; deadLetter: QueueDefinition },
): Promise<{ invites: LocalQueue; deadLetter: LocalQueue }> {
  const deadLetter = await ensureQueue(
    client,
    definitions.deadLetter.name,
    definitions.deadLetter.attributes,
  );
  const attributes = { ...definitions.invites.attributes };
  if (definitions.invites.maxReceiveCount !== undefined) {
    attributes.RedrivePolicy = JSON.stringify({
      deadLetterTargetArn: deadLetter.arn,
      maxReceiveCount: definitions.invites.maxReceiveCount,
    });
  }
  const invites = await ensureQueue(client, definitions.invites.name, attributes);
  return { invites, deadLetter };
}
