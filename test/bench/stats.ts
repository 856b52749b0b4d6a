/** The middle value; for an even count, the mean of the two middle ones. */
export function median(list: readonly number[]): number {
  const sorted = [...list].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** The value `share` (0–1) of the way through the sorted list, e.g. 0.9 for p90. */
export function percentile(list: readonly number[], share: number): number {
  return [...list].sort((a, b) => a - b)[Math.floor(list.length * share)] ?? Number.NaN;
}

/** A number with `digits` decimals, `-` when unknown. */
export const fixed =
  (digits: number) =>
  (value: number): string =>
    Number.isNaN(value) ? '-' : value.toFixed(digits);

/**
 * The median and, when runs differ, the range: `0.97 (0.95–0.99)`. Unknown values (NaN) are left
 * out; `-` when none is known.
 */
export function spread(list: readonly number[], format: (value: number) => string): string {
  const known = list.filter((value) => !Number.isNaN(value));
  if (known.length === 0) return '-';
  const low = Math.min(...known);
  const high = Math.max(...known);
  const text = format(median(known));
  return low === high ? text : `${text} (${format(low)}–${format(high)})`;
}
