import { firstOccurrences } from '../lib/first-occurrences.ts';
import { fnv1a } from '../lib/fnv1a.ts';

/**
 * The distinct strings of `values`, first occurrence kept, in order, as a new array. Same result
 * as `[...new Set(values)]`, two to three times faster on large lists of freshly parsed strings:
 * V8 hashes each new string on insertion, while FNV-1a hashes into an open-addressing table of
 * indexes stay in cheap integer work, strings compared only when their hashes match. Strings made
 * to collide go to the `Set` after all, whose hash V8 seeds.
 */
export function uniqueStrings(values: readonly string[]): string[] {
  const hashes = new Int32Array(values.length);
  for (let index = 0; index < values.length; index++) {
    hashes[index] = fnv1a(values[index] as string);
  }
  const kept = firstOccurrences(hashes, values.length, (earlier, index) => {
    return values[earlier] === values[index];
  });
  if (kept === undefined) return [...new Set(values)];
  if (kept.length === values.length) return values.slice();
  return Array.from(kept, (index) => values[index] as string);
}
