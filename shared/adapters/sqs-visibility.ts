import { ChangeMessageVisibilityBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { SQS_LIMITS } from '../domain/constants.ts';
import type { VisibilityControl } from '../domain/ports.ts';
import { groupsOf } from '../lib/groups-of.ts';

/**
 * Delays received messages with `ChangeMessageVisibilityBatch`, ten at a time and in parallel;
 * the new timeout counts from the call, so each message reappears `seconds` from now.
 */
export class SqsVisibility implements VisibilityControl {
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(options: { client: SQSClient; queueUrl: string }) {
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
  }

  async delay(receiptHandles: readonly string[], seconds: number): Promise<string[]> {
    const batches = groupsOf(receiptHandles, SQS_LIMITS.maxBatchEntries);
    const failed = await Promise.all(batches.map((batch) => this.#delayBatch(batch, seconds)));
    return failed.flat();
  }

  async #delayBatch(receiptHandles: string[], seconds: number): Promise<string[]> {
    try {
      const { Failed = [] } = await this.#client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.#queueUrl,
          Entries: receiptHandles.map((receiptHandle, index) => ({
            Id: String(index),
            ReceiptHandle: receiptHandle,
            VisibilityTimeout: seconds,
          })),
        }),
      );
      return Failed.map((entry) => receiptHandles[Number(entry.Id)] as string);
    } catch {
      return receiptHandles;
    }
  }
}
