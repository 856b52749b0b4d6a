import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Maps items, in order, giving the event loop a turn before each slice of `sliceSize` items,
 * so that I/O already under way (a request to write, a response to read) goes on meanwhile.
 */
export async function mapInSlices<T, R>(
  items: readonly T[],
  sliceSize: number,
  map: (item: T) => R,
): Promise<R[]> {
  const mapped: R[] = [];
  for (let start = 0; start < items.length; start += sliceSize) {
    await nextTurn();
    const end = Math.min(items.length, start + sliceSize);
    for (let index = start; index < end; index++) mapped.push(map(items[index] as T));
  }
  return mapped;
}
