import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { accessorIdProblem } from '../../shared/domain/invite-request.ts';
import { uniqueStrings } from '../../shared/domain/unique-strings.ts';
import { type AccessorColumnOptions, accessorColumn } from './accessor-column.ts';
import { CsvSyntaxError, parseCsv } from './csv.ts';
import { AccessorFileError } from './errors.ts';

export type AccessorFileFormat = 'text' | 'csv';

/** Problems listed in one error; the rest are counted. */
const MAX_LISTED_PROBLEMS = 10;

export interface AccessorList {
  /** Distinct accessor IDs in file order (first occurrence kept). */
  accessorIds: string[];
  /** IDs dropped because they appeared earlier in the file. */
  duplicates: number;
}

/** `column` and `header` say where a CSV file's IDs are (see `accessorColumn`). */
export interface ReadAccessorOptions extends AccessorColumnOptions {
  /** Defaults to `csv` for a `.csv` file or when `column` or `header` is given, `text` otherwise. */
  format?: AccessorFileFormat;
}

/** What a failed read means, for the codes an operator can fix. */
const READ_FAILURES: Record<string, string> = {
  ENOENT: 'the file does not exist',
  ENOTDIR: 'the file does not exist',
  EISDIR: 'it is a folder, not a file',
  EACCES: 'permission denied',
};

/**
 * Reads accessor IDs from a text file (one per line) or a CSV file (the column a header names,
 * or the first column of a file without one), skipping blank lines and `#` comments, trimming
 * each ID. Throws `AccessorFileError` naming the file and line of every problem (up to ten).
 */
export async function readAccessorFile(
  path: string,
  options: ReadAccessorOptions = {},
): Promise<AccessorList> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      (code === undefined ? undefined : READ_FAILURES[code]) ?? code ?? (error as Error).message;
    throw new AccessorFileError(`Cannot read ${path}: ${reason}`, undefined, { cause: error });
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    throw new AccessorFileError(`${path} is not UTF-8 text`, undefined, { cause: error });
  }
  // A CSV option says the file is CSV whatever its name; ignoring it would send whole rows as IDs.
  const csvOption = options.column !== undefined || options.header !== undefined;
  const format =
    options.format ?? (csvOption || extname(path).toLowerCase() === '.csv' ? 'csv' : 'text');
  try {
    return parseAccessorList(text, format, options);
  } catch (error) {
    if (error instanceof AccessorFileError) {
      throw new AccessorFileError(`${path}: ${error.message}`, error.line, { cause: error });
    }
    throw error;
  }
}

/**
 * Parses the text of an accessor file; `readAccessorFile` without the file. Throws
 * `AccessorFileError` naming the line of every problem, or when CSV options come with text.
 */
export function parseAccessorList(
  text: string,
  format: AccessorFileFormat,
  csv: AccessorColumnOptions = {},
): AccessorList {
  if (format === 'text' && (csv.column !== undefined || csv.header !== undefined)) {
    throw new AccessorFileError('--column, --header and --no-header apply to a CSV file only');
  }
  const problems = new LineProblems();
  const ids = format === 'csv' ? csvIds(text, problems, csv) : textIds(text, problems);
  problems.throwIfAny();
  if (ids.length === 0) throw new AccessorFileError('no accessor IDs found');
  const accessorIds = uniqueStrings(ids);
  return { accessorIds, duplicates: ids.length - accessorIds.length };
}

class LineProblems {
  readonly #listed: string[] = [];
  #count = 0;
  #firstLine: number | undefined;

  check(id: string, line: number): boolean {
    const problem = accessorIdProblem(id);
    if (problem === undefined) return true;
    this.add(line, `${problem} (${preview(id)})`);
    return false;
  }

  add(line: number, message: string): void {
    this.#count++;
    this.#firstLine ??= line;
    if (this.#listed.length < MAX_LISTED_PROBLEMS) this.#listed.push(`line ${line}: ${message}`);
  }

  throwIfAny(): void {
    if (this.#count === 0) return;
    const more = this.#count - this.#listed.length;
    const tail = more > 0 ? `\n  … and ${more} more` : '';
    throw new AccessorFileError(
      `${this.#count === 1 ? 'invalid accessor ID' : `${this.#count} invalid accessor IDs`}\n  ${this.#listed.join('\n  ')}${tail}`,
      this.#firstLine,
    );
  }
}

/** A short, printable rendering of a rejected ID: controls shown escaped, long IDs cut. */
function preview(id: string): string {
  const shown = JSON.stringify(id.length > 40 ? `${id.slice(0, 40)}…` : id);
  return id.length > 40 ? `${shown}, ${id.length} characters` : shown;
}

function textIds(text: string, problems: LineProblems): string[] {
  const ids: string[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const id = (lines[index] as string).trim();
    if (id === '' || id.startsWith('#')) continue;
    if (problems.check(id, index + 1)) ids.push(id);
  }
  return ids;
}

function csvIds(text: string, problems: LineProblems, options: AccessorColumnOptions): string[] {
  const ids: string[] = [];
  let columnIndex: number | undefined;
  try {
    for (const record of parseCsv(text)) {
      if (record.comment || record.fields.every((field) => field.trim() === '')) continue;
      if (columnIndex === undefined) {
        const column = accessorColumn(record, options);
        columnIndex = column.index;
        if (column.headerRow) continue;
      }
      const id = (record.fields[columnIndex] ?? '').trim();
      if (id === '') {
        problems.add(record.line, `no accessor ID in column ${columnIndex + 1}`);
        continue;
      }
      if (problems.check(id, record.line)) ids.push(id);
    }
  } catch (error) {
    if (error instanceof CsvSyntaxError) {
      throw new AccessorFileError(error.message, error.line, { cause: error });
    }
    throw error;
  }
  return ids;
}
