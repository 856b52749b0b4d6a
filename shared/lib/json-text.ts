// Walking JSON text without parsing it: where a value ends, where whitespace stops. These only
// find boundaries; whether the text is valid JSON is for `JSON.parse` to say.

/** The characters JSON's structure is made of, as UTF-16 codes. */
export const JSON_CHARS = {
  space: 0x20,
  tab: 0x09,
  lineFeed: 0x0a,
  carriageReturn: 0x0d,
  quote: 0x22,
  comma: 0x2c,
  colon: 0x3a,
  backslash: 0x5c,
  openArray: 0x5b,
  closeArray: 0x5d,
  openObject: 0x7b,
  closeObject: 0x7d,
} as const;

const {
  space: SPACE,
  tab: TAB,
  lineFeed: LINE_FEED,
  carriageReturn: CARRIAGE_RETURN,
  quote: QUOTE,
  comma: COMMA,
  backslash: BACKSLASH,
  openArray: OPEN_ARRAY,
  closeArray: CLOSE_ARRAY,
  openObject: OPEN_OBJECT,
  closeObject: CLOSE_OBJECT,
} = JSON_CHARS;

function isWhitespace(code: number): boolean {
  return code === SPACE || code === LINE_FEED || code === CARRIAGE_RETURN || code === TAB;
}

function endsLiteral(code: number): boolean {
  return code === COMMA || code === CLOSE_OBJECT || code === CLOSE_ARRAY || isWhitespace(code);
}

/** The index of the first character at or after `index` that is not JSON whitespace. */
export function skipWhitespace(text: string, index: number): number {
  let at = index;
  for (;;) {
    if (!isWhitespace(text.charCodeAt(at))) return at;
    at++;
  }
}

/** The index after the closing quote of the string that opens at `index`; -1 if it never closes. */
export function stringEnd(text: string, index: number): number {
  let from = index + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote === -1) return -1;
    // A quote after an odd number of backslashes is escaped.
    let before = quote - 1;
    while (text.charCodeAt(before) === BACKSLASH) before--;
    if ((quote - 1 - before) % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/**
 * The index after the value that starts at `index` (an object, array, string or literal), -1 when
 * it plainly does not end. Brackets are counted, not matched: a mismatch is `JSON.parse`'s to find.
 */
export function valueEnd(text: string, index: number): number {
  const first = text.charCodeAt(index);
  if (first === QUOTE) return stringEnd(text, index);
  if (first !== OPEN_OBJECT && first !== OPEN_ARRAY) {
    // A number, true, false or null: it runs up to what may follow a value.
    let at = index;
    while (at < text.length && !endsLiteral(text.charCodeAt(at))) at++;
    return at === index ? -1 : at;
  }
  let depth = 0;
  let at = index;
  while (at < text.length) {
    const code = text.charCodeAt(at);
    if (code === QUOTE) {
      at = stringEnd(text, at);
      if (at === -1) return -1;
      continue;
    }
    if (code === OPEN_OBJECT || code === OPEN_ARRAY) depth++;
    else if (code === CLOSE_OBJECT || code === CLOSE_ARRAY) {
      depth--;
      if (depth === 0) return at + 1;
    }
    at++;
  }
  return -1;
}
