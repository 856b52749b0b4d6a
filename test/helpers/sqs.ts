import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { type FauxqsServer, startFauxqs } from 'fauxqs';

export const TEST_CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' };
export const TEST_REGION = 'us-east-1';

export interface SqsContext {
  server: FauxqsServer;
  endpoint: string;
  client: SQSClient;
  invitesUrl: string;
  deadLetterUrl: string;
  /** Receives until the queue answers empty; messages stay in flight for `visibility` seconds. */
  drain(queueUrl: string, visibility?: number): Promise<Message[]>;
  /** `ApproximateNumberOfMessages` plus the ones in flight and delayed. */
  depth(queueUrl: string): Promise<number>;
  stop(): Promise<void>;
}

/** An embedded fauxqs on a free port with an invites queue and its DLQ, as in `infra/`. */
export async function startSqs(
  options: { maxReceiveCount?: number; visibilityTimeout?: number } = {},
): Promise<SqsContext> {
  const server = await startFauxqs({ port: 0, logger: false });
  const client = new SQSClient({
    endpoint: server.address,
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
  });
  const dlq = await client.send(
    new CreateQueueCommand({
      QueueName: 'invites-dlq',
      Attributes: { MaximumMessageSize: '1048576' },
    }),
  );
  const deadLetterUrl = dlq.QueueUrl as string;
  const dlqArn = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: deadLetterUrl, AttributeNames: ['QueueArn'] }),
  );
  const invites = await client.send(
    new CreateQueueCommand({
      QueueName: 'invites',
      Attributes: {
        MaximumMessageSize: '1048576',
        VisibilityTimeout: String(options.visibilityTimeout ?? 30),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqArn.Attributes?.QueueArn,
          maxReceiveCount: options.maxReceiveCount ?? 100,
        }),
      },
    }),
  );

  async function drain(queueUrl: string, visibility = 300): Promise<Message[]> {
    const all: Message[] = [];
    for (;;) {
      const { Messages = [] } = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: visibility,
          WaitTimeSeconds: 0,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
        }),
      );
      if (Messages.length === 0) return all;
      all.push(...Messages);
    }
  }

  async function depth(queueUrl: string): Promise<number> {
    const { Attributes = {} } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
    );
    return (
      Number(Attributes.ApproximateNumberOfMessages) +
      Number(Attributes.ApproximateNumberOfMessagesNotVisible) +
      Number(Attributes.ApproximateNumberOfMessagesDelayed)
    );
  }

  return {
    server,
    endpoint: server.address,
    client,
    invitesUrl: invites.QueueUrl as string,
    deadLetterUrl,
    drain,
    depth,
    async stop() {
      client.destroy();
      await server.stop();
    },
  };
}
