import type { AccessorPage } from '../../shared/domain/ports.ts';

export const ACCESSOR_CSV_HEADER = 'accessorId,errorType,errorMessage';

/**
 * A field as RFC 4180 writes it: quoted when it holds a comma, a quote, a line break or
 * surrounding spaces. Values are never altered, so the file feeds `npm run invite --file` as it is.
 */
export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** The CSV of every accessor in `pages`, a header line first, one chunk of text per page. */
export async function* accessorCsv(pages: AsyncIterable<AccessorPage>): AsyncGenerator<string> {
  yield `${ACCESSOR_CSV_HEADER}\r\n`;
  for await (const page of pages) {
    yield page.items
      .map(
        (item) =>
          `${[item.accessorId, item.errorType ?? '', item.errorMessage ?? ''].map(csvField).join(',')}\r\n`,
      )
      .join('');
  }
}
