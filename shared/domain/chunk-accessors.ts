export interface ChunkLimits {
  /** Most accessor IDs in one chunk. */
  maxCount: number;
  /** Most bytes one chunk may take, counting `fixedBytes` and each ID's `sizeOf` plus a separator. */
  maxBytes: number;
  /** Bytes every chunk takes whatever its IDs. */
  fixedBytes: number;
  /** Bytes one ID takes in the serialised chunk. */
  sizeOf: (id: string) => number;
}

/**
 * Splits accessor IDs, in order, into the fewest consecutive chunks that respect both the
 * count and the byte limit. Throws `RangeError` when a single ID cannot fit in a chunk.
 */
export function chunkAccessors(ids: readonly string[], limits: ChunkLimits): string[][] {
  const { maxCount, maxBytes, fixedBytes, sizeOf } = limits;
  const chunks: string[][] = [];
  let current: string[] = [];
  let bytes = fixedBytes;
  for (const id of ids) {
    // One byte for the comma that separates array members.
    const cost = sizeOf(id) + 1;
    if (fixedBytes + cost > maxBytes) {
      throw new RangeError(
        `An accessor ID of ${cost} bytes cannot fit in a ${maxBytes}-byte chunk`,
      );
    }
    if (current.length === maxCount || bytes + cost > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = fixedBytes;
    }
    current.push(id);
    bytes += cost;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
