import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { QueueNotFoundError } from './errors.ts';
import type { QueueDirectory, QueueInfo } from './message-mover.ts';

/** The JSON protocol names the error `QueueDoesNotExist`; the query protocol the other. */
const NOT_FOUND_ERRORS = new Set(['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue']);

/** Queues on SQS, found with `GetQueueUrl` and measured with `GetQueueAttributes`. */
export class SqsQueueDirectory implements QueueDirectory {
  readonly #client: SQSClient;

  constructor(client: SQSClient) {
    this.#client = client;
  }

  async urlOf(name: string): Promise<string> {
    try {
      const { QueueUrl } = await this.#client.send(new GetQueueUrlCommand({ QueueName: name }));
      if (!QueueUrl) throw new QueueNotFoundError(name);
      return QueueUrl;
    } catch (error) {
      if (NOT_FOUND_ERRORS.has((error as Error).name)) {
        throw new QueueNotFoundError(name, { cause: error });
      }
      throw error;
    }
  }

  async describe(url: string): Promise<QueueInfo> {
    let Attributes: Record<string, string>;
    try {
      ({ Attributes = {} } = await this.#client.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: [
            'QueueArn',
            'RedrivePolicy',
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'ApproximateNumberOfMessagesDelayed',
          ],
        }),
      ));
    } catch (error) {
      if (NOT_FOUND_ERRORS.has((error as Error).name)) {
        throw new QueueNotFoundError(url, { cause: error });
      }
      throw error;
    }
    const target = deadLetterTargetOf(Attributes.RedrivePolicy);
    return {
      url,
      arn: Attributes.QueueArn ?? '',
      ...(target === undefined ? {} : { deadLetterTargetArn: target }),
      visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
      delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
    };
  }
}

/** The DLQ a `RedrivePolicy` attribute names; undefined for none, or one that is not JSON. */
function deadLetterTargetOf(policy: string | undefined): string | undefined {
  if (policy === undefined || policy === '') return undefined;
  try {
    const target = (JSON.parse(policy) as { deadLetterTargetArn?: unknown }).deadLetterTargetArn;
    return typeof target === 'string' ? target : undefined;
  } catch {
    return undefined;
  }
}
