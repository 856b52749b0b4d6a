import { firstOccurrences } from '../lib/first-occurrences.ts';
import { FNV1A } from '../lib/fnv1a.ts';
import { JSON_CHARS, skipWhitespace, stringEnd, valueEnd } from '../lib/json-text.ts';
import { REQUEST_LIMITS } from './constants.ts';

const {
  quote: QUOTE,
  comma: COMMA,
  colon: COLON,
  backslash: BACKSLASH,
  openArray: OPEN_ARRAY,
  closeArray: CLOSE_ARRAY,
  openObject: OPEN_OBJECT,
} = JSON_CHARS;
const FNV_OFFSET = FNV1A.offsetBasis | 0;
const FNV_PRIME = FNV1A.prime;
const FIELD = 'accessorIds';

/**
 * A request body's accessor IDs read straight from its JSON text: where each distinct ID lies
 * in it, in order of first occurrence. Every ID is 1–256 characters of plain ASCII (printable,
 * no `"` or `\`), so its JSON is the text between its quotes.
 */
export class AccessorIdsText {
  readonly #text: string;
  readonly #starts: Int32Array;
  readonly #ends: Int32Array;
  readonly count: number;

  constructor(text: string, starts: Int32Array, ends: Int32Array) {
    this.#text = text;
    this.#starts = starts;
    this.#ends = ends;
    this.count = starts.length;
  }

  /** The distinct IDs, in order; with `from` and `to`, those in between (`to` excluded). */
  ids(from = 0, to = this.count): string[] {
    const ids = new Array<string>(to - from);
    for (let index = from; index < to; index++) {
      ids[index - from] = this.#text.slice(this.#starts[index], this.#ends[index]);
    }
    return ids;
  }

  /** IDs `from` to `to` (excluded) as the members of a JSON array, `"a","b"`. */
  membersJson(from: number, to: number): string {
    return `"${this.#run(from, to) ?? this.ids(from, to).join('","')}"`;
  }

  /** IDs `from` to `to` (excluded) joined by `separator`, as `ids(from, to).join(separator)`. */
  joined(from: number, to: number, separator: string): string {
    // No ID holds a quote: every `","` of a run stands between two IDs.
    return (
      this.#run(from, to)?.replaceAll('","', () => separator) ?? this.ids(from, to).join(separator)
    );
  }

  /**
   * IDs `from` to `to` (excluded) as the text holds them, `a","b`, when they stand there in that
   * order, comma to comma (as in a compact list without repeats); else undefined.
   */
  #run(from: number, to: number): string | undefined {
    if (!this.#adjacent(from, to)) return undefined;
    return this.#text.slice(this.#starts[from], this.#ends[to - 1]);
  }

  /** Whether IDs `from` to `to` stand in the text in that order, comma to comma. */
  #adjacent(from: number, to: number): boolean {
    // Each next ID opens three characters after the last one closed: `","`.
    for (let index = from + 1; index < to; index++) {
      if (this.#starts[index] !== (this.#ends[index - 1] as number) + 3) return false;
    }
    return true;
  }
}

/** A request body read without parsing its accessor list. */
export interface InviteBodyText {
  /** The body as `JSON.parse` reads it, but for `accessorIds`, which is an empty array. */
  payload: Record<string, unknown>;
  accessorIds: AccessorIdsText;
}

/**
 * Reads a request body whose `accessorIds` is a list of plain ASCII IDs, 1 to 256 characters
 * each, without making a string of each ID: one pass over the list finds and hashes the IDs, and
 * the rest of the body goes to `JSON.parse`. Undefined for any other body (no such list, an ID
 * outside those rules, a key spelt with an escape, a repeated key, text that is not JSON): those
 * go through `JSON.parse` and the field checks as before, which name each problem.
 */
export function readInviteBodyText(text: string): InviteBodyText | undefined {
  let at = skipWhitespace(text, 0);
  if (text.charCodeAt(at) !== OPEN_OBJECT) return undefined;
  at = skipWhitespace(text, at + 1);
  const keys: string[] = [];
  let list: ScannedList | undefined;
  let listStart = -1;
  while (text.charCodeAt(at) === QUOTE) {
    const keyEnd = stringEnd(text, at);
    if (keyEnd === -1) return undefined;
    const key = text.slice(at + 1, keyEnd - 1);
    keys.push(key);
    at = skipWhitespace(text, keyEnd);
    if (text.charCodeAt(at) !== COLON) return undefined;
    at = skipWhitespace(text, at + 1);
    if (key === FIELD) {
      // A repeated list is left to JSON.parse, and scanned no more than once.
      if (list !== undefined) return undefined;
      list = scanIdList(text, at);
      if (list === undefined) return undefined;
      listStart = at;
      at = list.end;
    } else {
      at = valueEnd(text, at);
      if (at === -1) return undefined;
    }
    at = skipWhitespace(text, at);
    if (text.charCodeAt(at) !== COMMA) break;
    at = skipWhitespace(text, at + 1);
  }
  // The rest of the syntax, and what follows the object, is for JSON.parse to check.
  if (list === undefined) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(`${text.slice(0, listStart)}[]${text.slice(list.end)}`);
  } catch {
    return undefined;
  }
  // JSON.parse read the keys as this walk did, in the same order, none twice and none spelt with
  // an escape: the list is the one top-level field of that name.
  const parsedKeys = Object.keys(payload as object);
  if (parsedKeys.length !== keys.length || parsedKeys.some((key, index) => key !== keys[index])) {
    return undefined;
  }
  const accessorIds = distinctIds(text, list);
  if (accessorIds === undefined) return undefined;
  return { payload: payload as Record<string, unknown>, accessorIds };
}

/** Where each ID of a list lies, with its hash; `end` is the index after the list. */
interface ScannedList {
  starts: Int32Array<ArrayBuffer>;
  ends: Int32Array<ArrayBuffer>;
  hashes: Int32Array<ArrayBuffer>;
  count: number;
  end: number;
}

function grown(array: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(array.length * 2);
  bigger.set(array);
  return bigger;
}

/**
 * Scans the JSON array at `index`, hashing each ID (FNV-1a of its characters) as it goes.
 * Undefined unless it is a non-empty array of strings of 1–256 printable ASCII characters
 * without escapes.
 */
function scanIdList(text: string, index: number): ScannedList | undefined {
  if (text.charCodeAt(index) !== OPEN_ARRAY) return undefined;
  // Room for an ID every 16 characters of what follows, grown if the IDs are shorter.
  const capacity = Math.max(1024, (text.length - index) >> 4);
  let starts = new Int32Array(capacity);
  let ends = new Int32Array(capacity);
  let hashes = new Int32Array(capacity);
  let count = 0;
  let at = skipWhitespace(text, index + 1);
  for (;;) {
    if (text.charCodeAt(at) !== QUOTE) return undefined;
    const start = at + 1;
    let hash = FNV_OFFSET;
    let code = text.charCodeAt(start);
    for (at = start; code !== QUOTE; code = text.charCodeAt(++at)) {
      // Controls, the backslash of an escape, DEL, anything beyond ASCII, or the text's end.
      if (!(code >= 0x20 && code < 0x7f && code !== BACKSLASH)) return undefined;
      hash = Math.imul(hash ^ code, FNV_PRIME);
    }
    const length = at - start;
    if (length === 0 || length > REQUEST_LIMITS.accessorIdMaxCodePoints) return undefined;
    if (count === starts.length) {
      starts = grown(starts);
      ends = grown(ends);
      hashes = grown(hashes);
    }
    starts[count] = start;
    ends[count] = at;
    hashes[count] = hash;
    count++;
    // A compact list, `"a","b"`, needs no look for whitespace.
    let next = text.charCodeAt(++at);
    if (next !== COMMA && next !== CLOSE_ARRAY) {
      at = skipWhitespace(text, at);
      next = text.charCodeAt(at);
    }
    if (next === CLOSE_ARRAY) return { starts, ends, hashes, count, end: at + 1 };
    if (next !== COMMA) return undefined;
    if (text.charCodeAt(++at) !== QUOTE) at = skipWhitespace(text, at);
  }
}

/**
 * The list without repeats, first occurrence kept, from the hashes the scan made; undefined when
 * they bunch up (IDs made to collide), which leaves the body to `JSON.parse` and a `Set`.
 */
function distinctIds(text: string, list: ScannedList): AccessorIdsText | undefined {
  const { starts, ends, hashes, count } = list;
  const kept = firstOccurrences(hashes, count, (earlier, index) =>
    sameText(text, starts, ends, earlier, index),
  );
  if (kept === undefined) return undefined;
  if (kept.length === count) {
    return new AccessorIdsText(text, starts.subarray(0, count), ends.subarray(0, count));
  }
  return new AccessorIdsText(
    text,
    kept.map((index) => starts[index] as number),
    kept.map((index) => ends[index] as number),
  );
}

function sameText(
  text: string,
  starts: Int32Array,
  ends: Int32Array,
  first: number,
  second: number,
): boolean {
  const start = starts[second] as number;
  const length = (ends[second] as number) - start;
  if ((ends[first] as number) - (starts[first] as number) !== length) return false;
  return text.startsWith(text.slice(start, start + length), starts[first]);
}
