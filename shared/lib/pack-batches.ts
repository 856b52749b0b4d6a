export interface BatchLimits {
  maxEntries: number;
  maxBytes: number;
}

/**
 * Packs messages, in order, into the fewest consecutive batches that hold at most
 * `maxEntries` messages and `maxBytes` of message bodies each.
 */
export function packBatches<T extends { body: string }>(
  messages: readonly T[],
  limits: BatchLimits,
): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = Buffer.byteLength(message.body);
    if (
      current.length > 0 &&
      (current.length === limits.maxEntries || bytes + size > limits.maxBytes)
    ) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
