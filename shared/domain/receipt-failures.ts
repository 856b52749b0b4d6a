import type { ReceiptFailure } from './ports.ts';

/**
 * What a batch action on received messages (a delay, a delete) failed for, by receipt handle:
 * the reason SQS gave for each, or, when the action threw, its error for every one.
 */
export async function failuresOf(
  receiptHandles: readonly string[],
  action: () => Promise<ReceiptFailure[]>,
): Promise<Map<string, Error>> {
  try {
    return new Map((await action()).map(({ receiptHandle, error }) => [receiptHandle, error]));
  } catch (caught) {
    const error = caught instanceof Error ? caught : new Error(String(caught));
    return new Map(receiptHandles.map((receiptHandle) => [receiptHandle, error]));
  }
}
