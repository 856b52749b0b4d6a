/**
 * Splits items, in order, into consecutive groups of `size`, the last one possibly shorter.
 * Throws `RangeError` when `size` is not a whole number of at least 1.
 */
export function groupsOf<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`A group must hold a whole number of at least 1 item, not ${size}`);
  }
  const groups: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    groups.push(items.slice(start, start + size));
  }
  return groups;
}
