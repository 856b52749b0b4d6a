import { pack } from '../lib/pack.ts';

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
  const { fixedBytes, maxBytes } = limits;
  return pack(ids, {
    ...limits,
    // Every ID is counted with the comma that separates array members, the first one too.
    fixedBytes: fixedBytes + 1,
    separatorBytes: 1,
    oversized: (bytes) =>
      `An accessor ID of ${bytes - fixedBytes} bytes cannot fit in a ${maxBytes}-byte chunk`,
  });
}
