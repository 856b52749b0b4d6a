import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { SQS_LIMITS } from '../domain/constants.ts';
import type { ReceivedMessage } from '../domain/delivery.ts';
import type { BatchSource, ReceiptFailure } from '../domain/ports.ts';
import { deliveredMarkOf } from './sqs-delivered-requeue.ts';
import { inReceiptBatches } from './sqs-receipt-batches.ts';

/** The parts of an event source mapping's SQS record delivery reads. */
export interface MappedRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: { ApproximateReceiveCount?: string };
  messageAttributes?: Record<string, { stringValue?: string }>;
}

/** A record as the event source mapping hands it over, in the shape delivery takes. */
export function receivedMessageOfRecord(record: MappedRecord): ReceivedMessage {
  const delivered = deliveredMarkOf(record.messageAttributes);
  return {
    messageId: record.messageId,
    receiptHandle: record.receiptHandle,
    body: record.body,
    receiveCount: Number(record.attributes.ApproximateReceiveCount) || 1,
    ...(delivered ? { delivered } : {}),
  };
}

/** A message as `ReceiveMessage` returns it, read as the mapping's record of it would be. */
export function receivedMessageOf(message: Message): ReceivedMessage {
  return receivedMessageOfRecord({
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: message.Attributes ?? {},
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        value.StringValue === undefined ? {} : { stringValue: value.StringValue },
      ]),
    ),
  });
}

/** The invites queue read with `ReceiveMessage` and settled with `DeleteMessageBatch`. */
export class SqsBatchSource implements BatchSource {
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(options: { client: SQSClient; queueUrl: string }) {
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
  }

  async receive(max: number, waitSeconds: number): Promise<ReceivedMessage[]> {
    const { Messages = [] } = await this.#client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.#queueUrl,
        MaxNumberOfMessages: Math.max(1, Math.min(SQS_LIMITS.maxBatchEntries, max)),
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        MessageAttributeNames: ['All'],
      }),
    );
    return Messages.map(receivedMessageOf);
  }

  delete(receiptHandles: readonly string[]): Promise<ReceiptFailure[]> {
    return inReceiptBatches(receiptHandles, (entries) =>
      this.#client.send(
        new DeleteMessageBatchCommand({ QueueUrl: this.#queueUrl, Entries: entries }),
      ),
    );
  }
}
