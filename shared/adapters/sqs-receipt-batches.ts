import { SQS_LIMITS } from '../domain/constants.ts';
import { groupsOf } from '../lib/groups-of.ts';

/** One entry of a `…Batch` call on received messages. */
export interface ReceiptEntry {
  Id: string;
  ReceiptHandle: string;
}

/**
 * Applies a batch action (`DeleteMessageBatch`, `ChangeMessageVisibilityBatch`) to received
 * messages, ten at a time and in parallel; resolves to the receipt handles it failed for, every
 * handle of a call that failed as a whole included.
 */
export async function inReceiptBatches(
  receiptHandles: readonly string[],
  send: (entries: ReceiptEntry[]) => Promise<{ Failed?: { Id?: string | undefined }[] }>,
): Promise<string[]> {
  const groups = groupsOf(receiptHandles, SQS_LIMITS.maxBatchEntries);
  const failed = await Promise.all(
    groups.map(async (group) => {
      try {
        const { Failed = [] } = await send(
          group.map((receiptHandle, index) => ({
            Id: String(index),
            ReceiptHandle: receiptHandle,
          })),
        );
        return Failed.map((entry) => group[Number(entry.Id)] as string);
      } catch {
        return group;
      }
    }),
  );
  return failed.flat();
}
