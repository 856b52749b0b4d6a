/** Probes a table may make per item before its hashes count as bunched up. */
const MAX_PROBES_PER_ITEM = 8;

/**
 * The indexes of the first occurrence of each distinct item among the first `count`, in order:
 * an open-addressing table keyed by each item's hash, asking `same(earlier, index)` only when two
 * hashes match. Undefined when the hashes bunch up so much that probing would take more than
 * eight steps an item (items made to collide, which would take quadratic time): the caller then
 * de-duplicates another way.
 */
export function firstOccurrences(
  hashes: Int32Array,
  count: number,
  same: (earlier: number, index: number) => boolean,
): Int32Array | undefined {
  let size = 16;
  while (size < count * 2) size *= 2;
  const mask = size - 1;
  const slots = new Int32Array(size).fill(-1);
  const kept = new Int32Array(count);
  let keptCount = 0;
  let probes = count * MAX_PROBES_PER_ITEM;
  for (let index = 0; index < count; index++) {
    const hash = hashes[index] as number;
    let slot = hash & mask;
    for (;;) {
      const seen = slots[slot] as number;
      if (seen === -1) {
        slots[slot] = index;
        kept[keptCount++] = index;
        break;
      }
      if (hashes[seen] === hash && same(seen, index)) break;
      if (--probes < 0) return undefined;
      slot = (slot + 1) & mask;
    }
  }
  return kept.subarray(0, keptCount);
}
