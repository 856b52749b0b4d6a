import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';

export const TEST_CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' };
export const TEST_REGION = 'us-east-1';

export interface SqsContext {
  endpoint: string;
  client: SQSClient;
  invitesUrl: string;
  deadLetterUrl: string;
  /**
   * Receives until the queue answers empty; messages stay in flight for `visibility` seconds.
   * With `waitSeconds`, the receives long-poll that long until the first message arrives.
   */
  drain(queueUrl: string, visibility?: number, waitSeconds?: number): Promise<Message[]>;
  /** `ApproximateNumberOfMessages` plus the ones in flight and delayed. */
  depth(queueUrl: string): Promise<number>;
  stop(): Promise<void>;
}

/** fauxqs in a child process, so its work does not share the caller's thread. */
async function startFauxqsProcess(): Promise<{ address: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [new URL('./fauxqs-child.ts', import.meta.url).pathname], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  return {
    address: (JSON.parse(line) as { address: string }).address,
    async stop() {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * fauxqs on a free port with an invites queue and its DLQ, as in `infra/`: embedded, or in
 * its own process with `outOfProcess`.
 */
export async function startSqs(
  options: { maxReceiveCount?: number; visibilityTimeout?: number; outOfProcess?: boolean } = {},
): Promise<SqsContext> {
  const server = options.outOfProcess
    ? await startFauxqsProcess()
    : await startFauxqs({ port: 0, logger: false });
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

  async function drain(queueUrl: string, visibility = 300, waitSeconds = 0): Promise<Message[]> {
    const all: Message[] = [];
    for (;;) {
      const { Messages = [] } = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: visibility,
          WaitTimeSeconds: all.length === 0 ? waitSeconds : 0,
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
