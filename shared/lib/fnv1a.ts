/** FNV-1a's 32-bit offset basis and prime, for a hash computed inline. */
export const FNV1A = { offsetBasis: 0x811c9dc5, prime: 0x01000193 } as const;

/** The 32-bit FNV-1a hash of a string's UTF-16 units: cheap, and well spread for short keys. */
export function fnv1a(value: string): number {
  let hash: number = FNV1A.offsetBasis;
  for (let index = 0; index < value.length; index++) {
    hash = Math.imul(hash ^ value.charCodeAt(index), FNV1A.prime);
  }
  return hash >>> 0;
}
