import { ChangeMessageVisibilityBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { ReceiptFailure, VisibilityControl } from '../domain/ports.ts';
import { inReceiptBatches } from './sqs-receipt-batches.ts';

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

  delay(receiptHandles: readonly string[], seconds: number): Promise<ReceiptFailure[]> {
    return inReceiptBatches(receiptHandles, (entries) =>
      this.#client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.#queueUrl,
          Entries: entries.map((entry) => ({ ...entry, VisibilityTimeout: seconds })),
        }),
      ),
    );
  }
}
