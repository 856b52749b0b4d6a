import { SQS_LIMITS } from '../domain/constants.ts';
import type { ReceiptFailure } from '../domain/ports.ts';
import { groupsOf } from '../lib/groups-of.ts';

/** One entry of a `…Batch` call on received messages. */
export interface ReceiptEntry {
  Id: string;
  ReceiptHandle: string;
}

/** What SQS said of one entry it did not take. */
interface FailedEntry {
  Id?: string | undefined;
  Code?: string | undefined;
  Message?: string | undefined;
  SenderFault?: boolean | undefined;
}

/** One failed entry as an error that says what SQS said: its code, message and whose fault. */
function entryError({ Code, Message, SenderFault }: FailedEntry): Error {
  const error = new Error(
    `${Message || 'SQS did not take the entry'}${SenderFault ? ' (sender fault)' : ''}`,
  );
  error.name = Code || 'BatchEntryFailed';
  return error;
}

/**
 * Applies a batch action (`DeleteMessageBatch`, `ChangeMessageVisibilityBatch`) to received
 * messages, ten at a time and in parallel; resolves to those it failed for, each with the reason
 * SQS gave, every message of a call that failed as a whole with the call's error.
 */
export async function inReceiptBatches(
  receiptHandles: readonly string[],
  send: (entries: ReceiptEntry[]) => Promise<{ Failed?: FailedEntry[] }>,
): Promise<ReceiptFailure[]> {
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
        return Failed.map((entry) => ({
          receiptHandle: group[Number(entry.Id)] as string,
          error: entryError(entry),
        }));
      } catch (caught) {
        const error = caught instanceof Error ? caught : new Error(String(caught));
        return group.map((receiptHandle) => ({ receiptHandle, error }));
      }
    }),
  );
  return failed.flat();
}
