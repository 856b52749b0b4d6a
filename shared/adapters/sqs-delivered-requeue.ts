import {
  type MessageAttributeValue,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DeliveredMark } from '../domain/delivery.ts';
import type { DeliveredRequeue } from '../domain/ports.ts';

/** Message attributes that mark a re-queued chunk as delivered already. */
export const DELIVERED_ATTRIBUTES = {
  deliveredAt: 'DeliveredAt',
  skippedIds: 'SkippedIds',
  skippedMask: 'SkippedMask',
} as const;

// Chunks leave 8 KiB free for attributes; the skipped IDs use at most this much of it.
const MAX_SKIPPED_BYTES = 6 * 1024;

/** An attribute as the event source mapping hands it to the function. */
interface RecordAttribute {
  stringValue?: string;
}

/**
 * The delivered mark of a received message, from its attributes as the event source mapping
 * gives them; undefined for an ordinary chunk or a mark that does not parse.
 */
export function deliveredMarkOf(
  attributes: Record<string, RecordAttribute> | undefined,
): DeliveredMark | undefined {
  const at = Date.parse(attributes?.[DELIVERED_ATTRIBUTES.deliveredAt]?.stringValue ?? '');
  if (Number.isNaN(at)) return undefined;
  let skippedIds: string[] = [];
  try {
    const parsed: unknown = JSON.parse(
      attributes?.[DELIVERED_ATTRIBUTES.skippedIds]?.stringValue ?? '[]',
    );
    if (Array.isArray(parsed))
      skippedIds = parsed.filter((id): id is string => typeof id === 'string');
  } catch {
    skippedIds = [];
  }
  const skippedMask = attributes?.[DELIVERED_ATTRIBUTES.skippedMask]?.stringValue;
  return skippedMask === undefined ? { at, skippedIds } : { at, skippedIds, skippedMask };
}

/** Re-queues delivered chunks on the invites queue with `SendMessage`, marked by attributes. */
export class SqsDeliveredRequeue implements DeliveredRequeue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(options: { client: SQSClient; queueUrl: string }) {
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
  }

  async requeueDelivered(body: string, mark: DeliveredMark): Promise<void> {
    const attributes: Record<string, MessageAttributeValue> = {
      [DELIVERED_ATTRIBUTES.deliveredAt]: {
        DataType: 'String',
        StringValue: new Date(mark.at).toISOString(),
      },
    };
    const skipped = JSON.stringify(mark.skippedIds);
    // A longer list would not fit the room chunks keep: the mask says the same in 168 characters.
    if (mark.skippedIds.length > 0 && Buffer.byteLength(skipped) <= MAX_SKIPPED_BYTES) {
      attributes[DELIVERED_ATTRIBUTES.skippedIds] = { DataType: 'String', StringValue: skipped };
    } else if (mark.skippedMask !== undefined) {
      const mask = mark.skippedMask;
      attributes[DELIVERED_ATTRIBUTES.skippedMask] = { DataType: 'String', StringValue: mask };
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
