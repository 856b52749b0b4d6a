import { fnv1a } from '../lib/fnv1a.ts';

/**
 * The distinct strings of `values`, first occurrence kept, in order, as a new array. Same result
 * as `[...new Set(values)]`, two to three times faster on large lists of freshly parsed strings:
 * V8 hashes each new string on insertion, while an FNV-1a hash into an open-addressing table of
 * indexes stays in cheap integer work. Each slot keeps its string's hash beside its index, so a
 * probe compares strings only when their hashes match; and the result is copied in one go up to
 * the first duplicate, which for a list without any is the whole list.
 */
export function uniqueStrings(values: readonly string[]): string[] {
  let size = 16;
  while (size < values.length * 2) size *= 2;
  const mask = size - 1;
  const slots = new Int32Array(size).fill(-1);
  const hashes = new Int32Array(size);
  let unique: string[] | undefined;
  for (let index = 0; index < values.length; index++) {
    const value = values[index] as string;
    const hash = fnv1a(value) | 0;
    let slot = hash & mask;
    for (;;) {
      const seen = slots[slot] as number;
      if (seen === -1) {
        slots[slot] = index;
        hashes[slot] = hash;
        unique?.push(value);
        break;
      }
      if (hashes[slot] === hash && values[seen] === value) {
        unique ??= values.slice(0, index);
        break;
      }
      slot = (slot + 1) & mask;
    }
  }
  return unique ?? values.slice();
}
