// C0 controls, DEL and C1 controls: matching them is the point here.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the pattern exists to find controls
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Length in Unicode code points, the unit Smithy length traits count in.
 * A string's UTF-16 length is an upper bound, so short strings skip the count.
 */
export function codePointLength(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}

/** Whether `value` has at most `max` code points, without counting when the answer is obvious. */
export function fitsCodePoints(value: string, max: number): boolean {
  if (value.length <= max) return true;
  // Each code point takes at most two UTF-16 units.
  if (value.length > max * 2) return false;
  return codePointLength(value) <= max;
}

export function hasControlCharacter(value: string): boolean {
  return CONTROL_CHARACTER.test(value);
}

/** False when the string holds a lone surrogate, which no UTF-8 document can carry. */
export function isWellFormedText(value: string): boolean {
  return value.isWellFormed();
}

// Printable ASCII other than the quote and the backslash: one byte each in JSON, unescaped.
const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** Whether JSON writes `value` byte for byte: printable ASCII without `"` or `\`. */
export function isPlainAscii(value: string): boolean {
  return PLAIN_ASCII.test(value);
}

/**
 * Whether every string `JSON.parse` reads from `text` is plain ASCII (see `isPlainAscii`): so when
 * the text holds no escape, no DEL and nothing beyond ASCII (JSON allows no raw control character
 * in a string). Three native scans, far cheaper than checking the strings once parsed.
 */
export function isPlainJsonText(text: string): boolean {
  return !text.includes('\\') && !text.includes('\x7f') && Buffer.byteLength(text) === text.length;
}
