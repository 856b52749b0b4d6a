import { pack } from './pack.ts';

export interface BatchLimits {
  maxEntries: number;
  maxBytes: number;
}

/**
 * Packs messages, in order, into the fewest consecutive batches that hold at most
 * `maxEntries` messages and `maxBytes` of message bodies each. A message over `maxBytes`
 * goes alone in its own batch, for the queue to refuse.
 */
export function packBatches<T extends { body: string }>(
  messages: readonly T[],
  limits: BatchLimits,
): T[][] {
  return pack(messages, {
    maxCount: limits.maxEntries,
    maxBytes: limits.maxBytes,
    fixedBytes: 0,
    separatorBytes: 0,
    sizeOf: (message) => Buffer.byteLength(message.body),
    oversized: 'alone',
  });
}
