import {
  type MessageAttributeValue,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DeadLetterQueue, ParkReason } from '../domain/ports.ts';

/** Longest error type or message kept in an attribute; chunks reserve room for the attributes. */
const MAX_REASON_LENGTH = 1024;

// What SQS refuses in a value besides a lone surrogate: controls other than tab, LF and CR, and
// U+FFFE and U+FFFF. Matching controls is the point here.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the pattern exists to find controls
const NOT_SQS_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

/** Message attribute names an operator finds on every parked message. */
export const PARK_ATTRIBUTES = {
  errorType: 'ErrorType',
  errorMessage: 'ErrorMessage',
  serviceRequestId: 'ServiceRequestId',
  parkedAt: 'ParkedAt',
} as const;

/**
 * A string attribute SQS accepts whatever the value holds: a reason cut mid-way through a pair
 * of surrogates, or carrying a character SQS refuses, would fail the park itself.
 */
function text(value: string): MessageAttributeValue {
  return { DataType: 'String', StringValue: value.toWellFormed().replace(NOT_SQS_TEXT, '\ufffd') };
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
      [PARK_ATTRIBUTES.errorType]: text(reason.errorType.slice(0, MAX_REASON_LENGTH)),
      // SQS rejects empty attribute values.
      [PARK_ATTRIBUTES.errorMessage]: text(
        (reason.errorMessage || reason.errorType).slice(0, MAX_REASON_LENGTH),
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
