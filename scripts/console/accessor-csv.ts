import type { AccessorPage } from '../../shared/domain/ports.ts';
import { formatCsvRow } from '../lib/csv.ts';

export const ACCESSOR_CSV_HEADER = 'accessorId,errorType,errorMessage';

/** The CSV of every accessor in `pages`, a header line first, one chunk of text per page. */
export async function* accessorCsv(pages: AsyncIterable<AccessorPage>): AsyncGenerator<string> {
  yield `${ACCESSOR_CSV_HEADER}\r\n`;
  for await (const page of pages) {
    yield page.items
      .map(
        (item) =>
          `${formatCsvRow([item.accessorId, item.errorType ?? '', item.errorMessage ?? ''])}\r\n`,
      )
      .join('');
  }
}
