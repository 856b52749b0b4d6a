import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { inReceiptBatches, type ReceiptEntry } from '../../shared/adapters/sqs-receipt-batches.ts';
import { sleep } from '../../shared/lib/sleep.ts';
import { invokeWithTimeout, leftoverOf } from './lambda-context.ts';

export interface EventSourceMappingOptions {
  client: SQSClient;
  queueUrl: string;
  queueArn: string;
  functionName: string;
  /**
   * One handler per execution environment; each polls on its own, so there are as many
   * concurrent invocations as handlers (the mapping's maximum concurrency).
   */
  environments: SqsHandler[];
  timeoutSeconds: number;
  batchSize: number;
  maximumBatchingWindowSeconds: number;
  reportBatchItemFailures: boolean;
  region: string;
  /** Told about each invocation, for the stack's summary and logs. */
  onInvocation?: (report: InvocationReport) => void;
}

export type SqsHandler = (
  event: SQSEvent,
  context: Context,
) => Promise<SQSBatchResponse | undefined>;

export interface InvocationReport {
  received: number;
  deleted: number;
  failed: number;
  error?: unknown;
}

// Receives wait at most this long and are never cut off: a receive abandoned mid-poll can still
// take messages on the server (fauxqs hands them to the closed request), where they would stay
// invisible for the whole visibility timeout. Stopping waits for the receive and hands back its catch.
const POLL_SECONDS = 1;
const WINDOW_POLL_MS = 50;
// Lambda's invocation payload limit caps a batch whatever its size in messages.
const MAX_BATCH_BYTES = 6 * 1024 * 1024;

/** A received message as the event source mapping hands it to the function. */
export function toSqsRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp:
        attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        {
          dataType: value.DataType ?? 'String',
          ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
        },
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

/**
 * Emulates Lambda's SQS event source mapping: polls with one poller per execution environment,
 * gathers up to `batchSize` messages (and 6 MB) within the batching window, invokes the handler
 * and deletes what the response does not report failed (nothing when the handler throws).
 */
export class SqsEventSourceMapping {
  readonly #options: EventSourceMappingOptions;
  readonly #abort = new AbortController();
  #pollers: Promise<void>[] = [];

  constructor(options: EventSourceMappingOptions) {
    this.#options = options;
  }

  start(): void {
    this.#pollers = this.#options.environments.map((handler) => this.#poll(handler));
  }

  /**
   * Stops receiving and drains, as a consumer going away should: what the last receives got and
   * batches not yet invoked go back to the queue at once; running invocations finish and settle,
   * and what they neither deleted nor reported failed goes back too. Only what the function
   * itself delayed (throttling, backoff) stays invisible.
   */
  async stop(): Promise<void> {
    this.#abort.abort();
    await Promise.all(this.#pollers);
  }

  get #stopping(): boolean {
    return this.#abort.signal.aborted;
  }

  async #receive(max: number, waitSeconds: number): Promise<Message[]> {
    const { Messages = [] } = await this.#options.client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.#options.queueUrl,
        MaxNumberOfMessages: Math.min(10, max),
        WaitTimeSeconds: Math.min(POLL_SECONDS, waitSeconds),
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    return Messages;
  }

  /** Gathers a batch: the first messages, then more until the batch or the window is full. */
  async #gather(): Promise<Message[]> {
    const { batchSize, maximumBatchingWindowSeconds } = this.#options;
    const batch = await this.#receive(batchSize, POLL_SECONDS);
    const bytes = () =>
      batch.reduce((sum, message) => sum + Buffer.byteLength(message.Body ?? ''), 0);
    const windowEnds = Date.now() + maximumBatchingWindowSeconds * 1000;
    try {
      while (batch.length > 0 && batch.length < batchSize && !this.#stopping) {
        const left = windowEnds - Date.now();
        if (left <= 0) break;
        // Polls end at whole seconds; the last part of the window is polled in short steps so
        // the batch closes when the window does, as Lambda's does.
        const more = await this.#receive(batchSize - batch.length, Math.floor(left / 1000));
        if (more.length === 0 && left < 1000) {
          await sleep(Math.min(left, WINDOW_POLL_MS));
          continue;
        }
        batch.push(...more);
        if (bytes() >= MAX_BATCH_BYTES) break;
      }
    } catch (error) {
      await this.#release(batch);
      throw error;
    }
    const overflow: Message[] = [];
    while (batch.length > 1 && bytes() > MAX_BATCH_BYTES) overflow.push(batch.pop() as Message);
    await this.#release(overflow);
    return batch;
  }

  /**
   * Applies a batch action to `messages`, ten at a time; resolves to the messages it failed for
   * (every message of a call that failed as a whole).
   */
  async #inBatches(
    messages: Message[],
    action: (entries: ReceiptEntry[]) => Promise<{ Failed?: { Id?: string | undefined }[] }>,
  ): Promise<Message[]> {
    const failed = new Set(
      (
        await inReceiptBatches(
          messages.map((message) => message.ReceiptHandle ?? ''),
          action,
        )
      ).map((failure) => failure.receiptHandle),
    );
    return messages.filter((message) => failed.has(message.ReceiptHandle ?? ''));
  }

  /** Puts messages straight back on the queue; what cannot be returns after its timeout. */
  async #release(messages: Message[]): Promise<void> {
    const { client, queueUrl } = this.#options;
    const kept = await this.#inBatches(messages, (entries) =>
      client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: entries.map((entry) => ({ ...entry, VisibilityTimeout: 0 })),
        }),
      ),
    );
    if (kept.length > 0) {
      this.#options.onInvocation?.({
        received: 0,
        deleted: 0,
        failed: 0,
        error: new Error(
          `${kept.length} messages could not be handed back and will come back after their visibility timeout`,
        ),
      });
    }
  }

  async #poll(handler: SqsHandler): Promise<void> {
    while (!this.#stopping) {
      let batch: Message[];
      try {
        batch = await this.#gather();
      } catch (error) {
        this.#options.onInvocation?.({ received: 0, deleted: 0, failed: 0, error });
        await sleep(1000, this.#abort.signal).catch(() => undefined);
        continue;
      }
      if (this.#stopping) await this.#release(batch);
      else if (batch.length > 0) await this.#invoke(handler, batch);
    }
  }

  async #invoke(handler: SqsHandler, batch: Message[]): Promise<void> {
    const { client, queueUrl, queueArn, functionName, timeoutSeconds, reportBatchItemFailures } =
      this.#options;
    const { region } = this.#options;
    const event: SQSEvent = {
      Records: batch.map((message) => toSqsRecord(message, queueArn, region)),
    };
    let failed: Set<string>;
    try {
      const response = await invokeWithTimeout(handler, event, {
        functionName,
        timeoutMs: timeoutSeconds * 1000,
        region,
      });
      failed = reportBatchItemFailures ? failedItems(response, batch) : new Set();
    } catch (error) {
      // A failed invocation deletes nothing: every message reappears after its visibility
      // timeout, as with Lambda; when stopping, nobody would be left to wait for it, so at once.
      if (this.#stopping) await this.#release(batch);
      this.#options.onInvocation?.({
        received: batch.length,
        deleted: 0,
        failed: batch.length,
        error,
      });
      // Lambda stops a timed-out run; here it goes on, and its environment takes no other batch
      // until it ends.
      await leftoverOf(error);
      return;
    }
    const done = batch.filter((message) => !failed.has(message.MessageId ?? ''));
    // A handle whose visibility timeout passed can no longer delete: the message will be
    // delivered again, as Lambda's would be, and the report says so.
    const notDeleted = await this.#inBatches(done, (entries) =>
      client.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries })),
    );
    if (this.#stopping) await this.#release(notDeleted);
    this.#options.onInvocation?.({
      received: batch.length,
      deleted: done.length - notDeleted.length,
      failed: failed.size,
      ...(notDeleted.length > 0
        ? {
            error: new Error(
              `${notDeleted.length} messages could not be deleted and will come back`,
            ),
          }
        : {}),
    });
  }
}

/**
 * The message IDs a batch response reports failed. As Lambda does, a response that names an ID
 * not in the batch (empty, null, another message's) or is not shaped as one fails the whole
 * batch: it throws, and nothing is deleted.
 */
function failedItems(
  response: SQSBatchResponse | undefined,
  batch: readonly Message[],
): Set<string> {
  const failures: unknown = response?.batchItemFailures ?? [];
  if (!Array.isArray(failures)) throw new Error('batchItemFailures is not a list');
  const inBatch = new Set(batch.map((message) => message.MessageId));
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !inBatch.has(id)) {
      throw new Error(`batchItemFailures names ${JSON.stringify(id)}, which is not in the batch`);
    }
    failed.add(id);
  }
  return failed;
}
