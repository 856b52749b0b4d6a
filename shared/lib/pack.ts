export interface PackLimits<T> {
  /** Most items in one group; at least 1. */
  maxCount: number;
  /** Most bytes one group may take: `fixedBytes`, each item's `sizeOf`, and a separator between items. */
  maxBytes: number;
  /** Bytes every group takes whatever its items. */
  fixedBytes: number;
  /** Bytes between two neighbouring items of a group. */
  separatorBytes: number;
  /** Bytes one item takes in a group. */
  sizeOf: (item: T) => number;
  /**
   * An item too big for a group even alone: by default a `RangeError` whose message this function
   * gives (from the bytes that group would take); `'alone'` gives it a group of its own instead.
   */
  oversized?: 'alone' | ((bytes: number) => string);
}

/**
 * Packs items, in order, greedily into the fewest consecutive groups that respect both the
 * count and the byte limit. Throws `RangeError` when `maxCount` is below 1, or when one item
 * alone cannot fit in a group (unless `oversized` is `'alone'`).
 */
export function pack<T>(items: readonly T[], limits: PackLimits<T>): T[][] {
  const { maxCount, maxBytes, fixedBytes, separatorBytes, sizeOf, oversized } = limits;
  if (!(maxCount >= 1)) throw new RangeError(`A group must hold at least 1 item, not ${maxCount}`);
  const groups: T[][] = [];
  let group: T[] = [];
  let bytes = fixedBytes;
  for (const item of items) {
    const size = sizeOf(item);
    if (group.length > 0) {
      if (group.length < maxCount && bytes + separatorBytes + size <= maxBytes) {
        group.push(item);
        bytes += separatorBytes + size;
        continue;
      }
      groups.push(group);
      group = [];
    }
    bytes = fixedBytes + size;
    if (bytes > maxBytes && oversized !== 'alone') throw new RangeError(tooBig(bytes, limits));
    group.push(item);
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

function tooBig<T>(bytes: number, limits: PackLimits<T>): string {
  return typeof limits.oversized === 'function'
    ? limits.oversized(bytes)
    : `A group of one item takes ${bytes} bytes, over the ${limits.maxBytes}-byte limit`;
}
