import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { PeekedMessage } from './dead-letters.ts';

/** What one look at the dead-letter queue found. */
export interface DeadLetterSnapshot {
  messages: PeekedMessage[];
  /** `ApproximateNumberOfMessages` plus those in flight, when the look started. */
  depth: number;
  /** False when the look stopped before it had seen `depth` distinct messages. */
  complete: boolean;
}

/** At most 1,000 messages, and 64 MiB of bodies (a chunk can be nearly 1 MiB), per look. */
export const PEEK_LIMITS = { messages: 1_000, bytes: 64 * 1024 * 1024, idleRounds: 3 } as const;

/**
 * Reads the dead-letter queue without taking anything off it: every receive sets
 * `VisibilityTimeout: 0`, so each message is visible again at once, and the DLQ has no redrive
 * policy, so the receive counts this adds move nothing anywhere (a redriven message is a new
 * message, counted from zero). Receives until it has seen as many distinct messages as the
 * queue holds, up to `limits.messages` and `limits.bytes` of bodies, or three receives in a
 * row bring nothing new.
 */
export async function peekDeadLetters(
  client: SQSClient,
  queueUrl: string,
  limits: { messages: number; bytes: number; idleRounds: number } = PEEK_LIMITS,
): Promise<DeadLetterSnapshot> {
  const { Attributes = {} } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  const depth =
    Number(Attributes.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
  const wanted = Math.min(depth, limits.messages);
  const seen = new Map<string, PeekedMessage>();
  // Enough rounds to meet every message several times over on a standard queue's sampling.
  const maxRounds = Math.ceil(wanted / 10) * 4 + limits.idleRounds;
  let idle = 0;
  let bytes = 0;
  for (
    let round = 0;
    seen.size < wanted && bytes < limits.bytes && idle < limits.idleRounds && round < maxRounds;
    round++
  ) {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 0,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
      }),
    );
    const before = seen.size;
    for (const message of Messages) {
      const messageId = message.MessageId ?? '';
      if (seen.has(messageId) || seen.size >= limits.messages || bytes >= limits.bytes) continue;
      bytes += Buffer.byteLength(message.Body ?? '');
      const attributes: Record<string, string> = {};
      for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
        if (value.StringValue !== undefined) attributes[name] = value.StringValue;
      }
      seen.set(messageId, { messageId, body: message.Body ?? '', attributes });
    }
    idle = seen.size === before ? idle + 1 : 0;
  }
  return { messages: [...seen.values()], depth, complete: seen.size >= depth };
}
