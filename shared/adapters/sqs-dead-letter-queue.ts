import {
  type MessageAttributeValue,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DeadLetterQueue, ParkReason } from '../domain/ports.ts';

/** Longest error message kept in an attribute; chunks reserve room for the attributes. */
const MAX_ERROR_MESSAGE_LENGTH = 1024;

/** Message attribute names an operator finds on every parked message. */
export const PARK_ATTRIBUTES = {
  errorType: 'ErrorType',
  errorMessage: 'ErrorMessage',
  serviceRequestId: 'ServiceRequestId',
  parkedAt: 'ParkedAt',
} as const;

function text(value: string): MessageAttributeValue {
  return { DataType: 'String', StringValue: value };
}

/** The dead-letter queue on SQS: each parked message carries its reason as attributes. */
export class SqsDeadLetterQueue implements DeadLetterQueue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;
  readonly #now: () => Date;

  constructor(options: { client: SQSClient; queueUrl: string; now?: () => Date }) {
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
    this.#now = options.now ?? (() => new Date());
  }

  async park(body: string, reason: ParkReason): Promise<void> {
    const attributes: Record<string, MessageAttributeValue> = {
      [PARK_ATTRIBUTES.errorType]: text(reason.errorType),
      // SQS rejects empty attribute values.
      [PARK_ATTRIBUTES.errorMessage]: text(
        reason.errorMessage.slice(0, MAX_ERROR_MESSAGE_LENGTH) || reason.errorType,
      ),
      [PARK_ATTRIBUTES.parkedAt]: text(this.#now().toISOString()),
    };
    if (reason.serviceRequestId) {
      attributes[PARK_ATTRIBUTES.serviceRequestId] = text(reason.serviceRequestId);
    }
    await this.#client.send(
      new SendMessageCommand({
        QueueUrl: this.#queueUrl,
        MessageBody: body,
        MessageAttributes: attributes,
      }),
    );
  }
}
