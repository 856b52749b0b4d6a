import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { SQS_LIMITS } from '../../shared/domain/constants.ts';
import { groupsOf } from '../../shared/lib/groups-of.ts';
import { sleep } from '../../shared/lib/sleep.ts';
import { invokeWithTimeout } from './lambda-context.ts';

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

const LONG_POLL_SECONDS = 20;
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
 * Emulates Lambda's SQS event source mapping: long-polls with one poller per execution
 * environment, gathers up to `batchSize` messages (and 6 MB) within the batching window,
 * invokes the handler and deletes what the response does not report failed (nothing when the
 * handler throws).
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

  /** Stops receiving, lets in-flight invocations finish and settles their messages. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await Promise.all(this.#pollers);
  }

  async #receive(max: number, waitSeconds: number): Promise<Message[]> {
    const { Messages = [] } = await this.#options.client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.#options.queueUrl,
        MaxNumberOfMessages: Math.min(10, max),
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: this.#abort.signal },
    );
    return Messages;
  }

  /** Gathers a batch: the first messages, then more until the batch or the window is full. */
  async #gather(): Promise<Message[]> {
    const { batchSize, maximumBatchingWindowSeconds } = this.#options;
    const batch = await this.#receive(batchSize, LONG_POLL_SECONDS);
    const bytes = () =>
      batch.reduce((sum, message) => sum + Buffer.byteLength(message.Body ?? ''), 0);
    const windowEnds = Date.now() + maximumBatchingWindowSeconds * 1000;
    while (batch.length > 0 && batch.length < batchSize && !this.#abort.signal.aborted) {
      const left = windowEnds - Date.now();
      if (left <= 0) break;
      // Long polls end at whole seconds; the last part of the window is polled in short steps so
      // the batch closes when the window does, as Lambda's does.
      const more = await this.#receive(batchSize - batch.length, Math.floor(left / 1000));
      if (more.length === 0 && left < 1000) {
        await sleep(Math.min(left, WINDOW_POLL_MS));
        continue;
      }
      batch.push(...more);
      if (bytes() >= MAX_BATCH_BYTES) break;
    }
    const overflow: Message[] = [];
    while (batch.length > 1 && bytes() > MAX_BATCH_BYTES) overflow.push(batch.pop() as Message);
    if (overflow.length > 0) await this.#release(overflow);
    return batch;
  }

  /** Puts messages that did not fit a batch straight back on the queue. */
  async #release(messages: Message[]): Promise<void> {
    for (const group of groupsOf(messages, SQS_LIMITS.maxBatchEntries)) {
      await this.#options.client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.#options.queueUrl,
          Entries: group.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle ?? '',
            VisibilityTimeout: 0,
          })),
        }),
      );
    }
  }

  async #poll(handler: SqsHandler): Promise<void> {
    while (!this.#abort.signal.aborted) {
      let batch: Message[];
      try {
        batch = await this.#gather();
      } catch (error) {
        if (this.#abort.signal.aborted) return;
        this.#options.onInvocation?.({ received: 0, deleted: 0, failed: 0, error });
        await sleep(1000);
        continue;
      }
      if (batch.length > 0) await this.#invoke(handler, batch);
    }
  }

  async #invoke(handler: SqsHandler, batch: Message[]): Promise<void> {
    const { client, queueUrl, queueArn, functionName, timeoutSeconds, reportBatchItemFailures } =
      this.#options;
    const { region } = this.#options;
    const event: SQSEvent = {
      Records: batch.map((message) => toSqsRecord(message, queueArn, region)),
    };
    let response: SQSBatchResponse | undefined;
    try {
      response = await invokeWithTimeout(handler, event, {
        functionName,
        timeoutMs: timeoutSeconds * 1000,
        region,
      });
    } catch (error) {
      // A failed invocation deletes nothing: every message reappears after its visibility timeout.
      this.#options.onInvocation?.({
        received: batch.length,
        deleted: 0,
        failed: batch.length,
        error,
      });
      return;
    }
    const failed = new Set(
      reportBatchItemFailures
        ? (response?.batchItemFailures ?? []).map((item) => item.itemIdentifier)
        : [],
    );
    const done = batch.filter((message) => !failed.has(message.MessageId ?? ''));
    // A handle whose visibility timeout passed can no longer delete: the message will be
    // delivered again, as Lambda's would be, and the report says so.
    let notDeleted = 0;
    for (const group of groupsOf(done, SQS_LIMITS.maxBatchEntries)) {
      const { Failed = [] } = await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: group.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle ?? '',
          })),
        }),
      );
      notDeleted += Failed.length;
    }
    this.#options.onInvocation?.({
      received: batch.length,
      deleted: done.length - notDeleted,
      failed: failed.size,
      ...(notDeleted > 0
        ? { error: new Error(`${notDeleted} messages could not be deleted and will come back`) }
        : {}),
    });
  }
}
