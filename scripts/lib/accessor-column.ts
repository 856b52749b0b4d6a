import type { CsvRecord } from './csv.ts';
import { AccessorFileError } from './errors.ts';

/**
 * Header names that mark the accessor column of a CSV file, in order of preference, as
 * `headerName` writes them: `accessorId`, `accessor_id`, `Accessor ID` and `id` all match.
 */
const ACCESSOR_COLUMN_NAMES = ['accessorid', 'id'] as const;

/** A header name compared without case, spaces, `-` or `_`. */
function headerName(field: string): string {
  return field.toLowerCase().replace(/[\s_-]/g, '');
}

/**
 * Column names a lone first row is taken for rather than an accessor ID, compared in lower case
 * without spaces, `-` or `_`: a one-column export with such a header would otherwise invite it.
 */
const HEADER_LIKE_WORDS = new Set([
  'accessor',
  'accessorids',
  'accessors',
  'account',
  'accountid',
  'alias',
  'displayname',
  'email',
  'emailaddress',
  'emails',
  'employee',
  'employeeid',
  'fullname',
  'group',
  'groupid',
  'groupname',
  'identifier',
  'identity',
  'identityid',
  'ids',
  'login',
  'loginname',
  'mail',
  'member',
  'memberid',
  'members',
  'name',
  'names',
  'person',
  'principal',
  'principalid',
  'upn',
  'user',
  'userid',
  'username',
  'userprincipalname',
  'users',
]);

/** Fields of a refused first row the message shows; the rest are elided. */
const MAX_SHOWN_FIELDS = 8;

/** How to find the accessor column of a CSV file. */
export interface AccessorColumnOptions {
  /** The header of the accessor column; the first row must then be a header. */
  column?: string;
  /**
   * `false`: no header row, the IDs are in the first column. `true`: the first row is a header
   * and must name the accessor column. Undefined: decided from the first row (see `accessorColumn`).
   */
  header?: boolean;
}

export interface AccessorColumn {
  /** 0-based index of the column the IDs are read from. */
  index: number;
  /** Whether the first row is a header, not an accessor ID. */
  headerRow: boolean;
}

/**
 * Where a CSV file's accessor IDs are, decided by its first row: the column headed `accessorId`
 * (in any case, with or without a space, `-` or `_`) or `id`, or `column`, else the first column of
 * a file without a header. A first
 * row that may be a header naming no accessor column (more than one field, or one header-like
 * word such as `email`) is refused: throws `AccessorFileError` saying to pass `--column` or `--no-header`.
 */
export function accessorColumn(
  firstRow: CsvRecord,
  options: AccessorColumnOptions = {},
): AccessorColumn {
  const { line } = firstRow;
  if (options.header === false) {
    if (options.column !== undefined) {
      throw new AccessorFileError('--column names a header, so it cannot go with --no-header');
    }
    return { index: 0, headerRow: false };
  }
  if (options.column !== undefined) {
    const wanted = options.column.trim().toLowerCase();
    const index = firstRow.fields.findIndex((field) => field.trim().toLowerCase() === wanted);
    if (index !== -1) return { index, headerRow: true };
  } else {
    const names = firstRow.fields.map(headerName);
    for (const name of ACCESSOR_COLUMN_NAMES) {
      const index = names.indexOf(name);
      if (index !== -1) return { index, headerRow: true };
    }
  }
  if (options.column !== undefined) {
    throw new AccessorFileError(
      `line ${line}: the first row has no column named "${options.column}"`,
      line,
    );
  }
  const fields = firstRow.fields.map((field) => field.trim()).filter((field) => field !== '');
  const shown = fields
    .slice(0, MAX_SHOWN_FIELDS)
    .map((field) => JSON.stringify(field))
    .concat(fields.length > MAX_SHOWN_FIELDS ? ['…'] : [])
    .join(', ');
  if (options.header === true || fields.length > 1) {
    throw new AccessorFileError(
      `line ${line}: the first row (${shown}) is not a header naming the accessor column ` +
        '(accessorId, Accessor ID, accessor_id or id). Pass --column <name> to read the IDs under that header, ' +
        'or --no-header if the file has no header row and the IDs are in its first column',
      line,
    );
  }
  const [only = ''] = fields;
  if (HEADER_LIKE_WORDS.has(headerName(only))) {
    throw new AccessorFileError(
      `line ${line}: the first row (${shown}) looks like a header, not an accessor ID. ` +
        `Pass --column ${/^[\w.@-]+$/.test(only) ? only : JSON.stringify(only)} to read the IDs under it, or --no-header if it is an accessor ID`,
      line,
    );
  }
  return { index: 0, headerRow: false };
}
