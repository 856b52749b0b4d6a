import type { DeliveredMark } from './delivery.ts';
import type { InviteChunk } from './invite.ts';

/**
 * Who of a chunk was left out, as one bit per accessor in the chunk's order, in base64: 168
 * characters for a chunk of 1000, whose IDs could take 256 KB as a list.
 */
export function encodeSkipped(
  accessorIds: readonly string[],
  skippedIds: readonly string[],
): string {
  const skipped = new Set(skippedIds);
  const bits = new Uint8Array(Math.ceil(accessorIds.length / 8));
  accessorIds.forEach((id, index) => {
    if (skipped.has(id)) bits[index >> 3] = (bits[index >> 3] ?? 0) | (1 << (index & 7));
  });
  return Buffer.from(bits).toString('base64');
}

/** The accessors of `accessorIds` that `encodeSkipped` marked in `mask`. */
export function decodeSkipped(accessorIds: readonly string[], mask: string): string[] {
  const bits = Buffer.from(mask, 'base64');
  return accessorIds.filter((_, index) => (((bits[index >> 3] ?? 0) >> (index & 7)) & 1) === 1);
}

/** The mark of a delivered chunk put back on the queue: the skipped IDs, and as a mask too. */
export function deliveredMark(at: number, chunk: InviteChunk, skippedIds: string[]): DeliveredMark {
  if (skippedIds.length === 0) return { at, skippedIds };
  return { at, skippedIds, skippedMask: encodeSkipped(chunk.accessorIds, skippedIds) };
}

/** Whom a marked chunk left out: the list it carries, or its mask read against the chunk. */
export function skippedOfMark(mark: DeliveredMark, chunk: InviteChunk): string[] {
  if (mark.skippedIds.length > 0 || mark.skippedMask === undefined) return mark.skippedIds;
  return decodeSkipped(chunk.accessorIds, mark.skippedMask);
}
