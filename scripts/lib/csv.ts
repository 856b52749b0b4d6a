/** One CSV record: its fields as written (unquoted), and the line it starts on. */
export interface CsvRecord {
  fields: string[];
  /** 1-based; a quoted field may carry the record over several lines. */
  line: number;
  /** A record that is a `#` comment: an unquoted `#` is its first non-blank character. */
  comment: boolean;
}

/** A CSV document that breaks RFC 4180 in a way no reading of it can repair. */
export class CsvSyntaxError extends Error {
  readonly line: number;

  constructor(message: string, line: number) {
    super(message);
    this.name = 'CsvSyntaxError';
    this.line = line;
  }
}

/**
 * Reads comma-separated records as RFC 4180 writes them: fields in double quotes may hold
 * commas, line breaks and `""` for a quote; `\n` and `\r\n` end records. Whitespace around a
 * quoted field is ignored. Throws `CsvSyntaxError` for an unterminated quote or text after
 * a closing quote.
 */
export function* parseCsv(text: string): Generator<CsvRecord> {
  let index = 0;
  let line = 1;
  const length = text.length;

  while (index < length) {
    const start = line;
    const first = skipBlanks(text, index);
    if (text[first] === '#') {
      const end = text.indexOf('\n', first);
      index = end === -1 ? length : end + 1;
      line++;
      yield { fields: [], line: start, comment: true };
      continue;
    }
    const fields: string[] = [];
    let field = '';
    let atFieldStart = true;

    for (;;) {
      if (index >= length) {
        fields.push(field);
        break;
      }
      const character = text[index] as string;

      if (atFieldStart && (character === ' ' || character === '\t')) {
        field += character;
        index++;
        continue;
      }
      if (atFieldStart && character === '"') {
        const closed = readQuoted(text, index + 1, start);
        field = closed.value;
        line += closed.lineBreaks;
        index = closed.next;
        atFieldStart = false;
        index = skipBlanks(text, index);
        const after = text[index];
        if (after !== undefined && after !== ',' && after !== '\n' && after !== '\r') {
          throw new CsvSyntaxError(`line ${line}: unexpected text after a closing quote`, line);
        }
        continue;
      }
      if (character === ',') {
        fields.push(field);
        field = '';
        atFieldStart = true;
        index++;
        continue;
      }
      if (character === '\n' || (character === '\r' && text[index + 1] === '\n')) {
        fields.push(field);
        index += character === '\r' ? 2 : 1;
        line++;
        break;
      }
      field += character;
      atFieldStart = false;
      index++;
    }
    yield { fields, line: start, comment: false };
  }
}

function readQuoted(
  text: string,
  from: number,
  line: number,
): { value: string; next: number; lineBreaks: number } {
  let value = '';
  let lineBreaks = 0;
  let index = from;
  for (;;) {
    const close = text.indexOf('"', index);
    if (close === -1)
      throw new CsvSyntaxError(`line ${line}: a quoted field is never closed`, line);
    const part = text.slice(index, close);
    value += part;
    lineBreaks += countLineBreaks(part);
    if (text[close + 1] === '"') {
      value += '"';
      index = close + 2;
      continue;
    }
    return { value, next: close + 1, lineBreaks };
  }
}

function countLineBreaks(part: string): number {
  let count = 0;
  for (let at = part.indexOf('\n'); at !== -1; at = part.indexOf('\n', at + 1)) count++;
  return count;
}

function skipBlanks(text: string, from: number): number {
  let index = from;
  while (text[index] === ' ' || text[index] === '\t') index++;
  return index;
}

/**
 * A field as RFC 4180 writes it, quoted when it holds a comma, a quote or a line break, starts or
 * ends with a space, or starts with `#`: values are never altered, and `parseCsv` reads each back
 * as it was (an unquoted `#` would start a comment).
 */
export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$|^#/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** One CSV record, its fields written by `csvField`. */
export function formatCsvRow(fields: readonly string[]): string {
  return fields.map(csvField).join(',');
}
