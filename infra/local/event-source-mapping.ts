import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { invokeWithTimeout } from './lambda-context.ts';

export interface EventSourceMappingOptions {
  client: SQSClient;
  queueUrl: string;
  queueArn: string;
  functionName: string;
  handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;
  timeoutSeconds: number;
  batchSize: number;
  maximumBatchingWindowSeconds: number;
  maximumConcurrency: number;
  reportBatchItemFailures: boolean;
  region?: string;
  /** Told about each invocation, for the stack's summary and logs. */
  onInvocation?: (report: InvocationReport) => void;
}

export interface InvocationReport {
  received: number;
  deleted: number;
  failed: number;
  error?: unknown;
}

const LONG_POLL_SECONDS = 20;

function toRecord(message: Message, queueArn: string, region: string): SQSRecord {
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
 * Emulates Lambda's SQS event source mapping: long-polls with up to `maximumConcurrency`
 * pollers, gathers up to `batchSize` messages within the batching window, invokes the handler
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
    this.#pollers = Array.from({ length: this.#options.maximumConcurrency }, () => this.#poll());
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
    const windowEnds = Date.now() + maximumBatchingWindowSeconds * 1000;
    while (batch.length > 0 && batch.length < batchSize && !this.#abort.signal.aborted) {
      const left = windowEnds - Date.now();
      if (left <= 0) break;
      const more = await this.#receive(
        batchSize - batch.length,
        Math.min(LONG_POLL_SECONDS, Math.floor(left / 1000)),
      );
      if (more.length === 0 && left < 1000) break;
      batch.push(...more);
    }
    return batch;
  }

  async #poll(): Promise<void> {
    while (!this.#abort.signal.aborted) {
      let batch: Message[];
      try {
        batch = await this.#gather();
      } catch (error) {
        if (this.#abort.signal.aborted) return;
        this.#options.onInvocation?.({ received: 0, deleted: 0, failed: 0, error });
        await new Promise((resolve) => setTimeout(resolve, 1000));
        continue;
      }
      if (batch.length > 0) await this.#invoke(batch);
    }
  }

  async #invoke(batch: Message[]): Promise<void> {
    const {
      client,
      queueUrl,
      queueArn,
      functionName,
      handler,
      timeoutSeconds,
      reportBatchItemFailures,
    } = this.#options;
    const region = this.#options.region ?? process.env.AWS_REGION ?? 'us-east-1';
    const event: SQSEvent = {
      Records: batch.map((message) => toRecord(message, queueArn, region)),
    };
    let response: SQSBatchResponse | undefined;
    try {
      response = await invokeWithTimeout(handler, event, functionName, timeoutSeconds * 1000);
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
    for (let start = 0; start < done.length; start += 10) {
      await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: done.slice(start, start + 10).map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle ?? '',
          })),
        }),
      );
    }
    this.#options.onInvocation?.({
      received: batch.length,
      deleted: done.length,
      failed: failed.size,
    });
  }
}
