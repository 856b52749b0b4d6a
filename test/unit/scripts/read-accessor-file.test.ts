import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CsvSyntaxError, formatCsvRow, parseCsv } from '../../../scripts/lib/csv.ts';
import { AccessorFileError, UsageError } from '../../../scripts/lib/errors.ts';
import { parseAccessorList, readAccessorFile } from '../../../scripts/lib/read-accessor-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'accessor-files-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, and numbers lines', () => {
    const records = [...parseCsv('a,"b, c"\r\n"say ""hi""",x\n"two\nlines",y\nlast')];

    assert.deepEqual(
      records.map((record) => [record.line, record.fields]),
      [
        [1, ['a', 'b, c']],
        [2, ['say "hi"', 'x']],
        [3, ['two\nlines', 'y']],
        [5, ['last']],
      ],
    );
  });

  it('marks a line whose first character is an unquoted # as a comment', () => {
    const records = [...parseCsv('  # note, "unbalanced\n"#quoted",x\n')];

    assert.deepEqual(
      records.map((record) => [record.comment, record.fields]),
      [
        [true, []],
        [false, ['#quoted', 'x']],
      ],
    );
  });

  it('reads back every field formatCsvRow writes, a leading # or space included', () => {
    const fields = ['#ops-oncall', ' padded ', 'a,b', 'say "hi"', 'two\nlines', 'plain'];
    const text = `${formatCsvRow(['accessorId', 'note'])}\n${fields.map((id) => formatCsvRow([id, 'x'])).join('\n')}\n`;

    const records = [...parseCsv(text)].slice(1);

    assert.deepEqual(
      records.map((record) => [record.comment, record.fields[0]]),
      fields.map((field) => [false, field]),
    );
  });

  it('names the line of a quote that is never closed', () => {
    assert.throws(
      () => [...parseCsv('ok\n"open,\nmore\n')],
      (error: unknown) => error instanceof CsvSyntaxError && error.line === 2,
    );
  });

  it('refuses text after a closing quote but allows blanks', () => {
    assert.deepEqual([...parseCsv('"a"  ,b')][0]?.fields, ['a', 'b']);
    assert.throws(() => [...parseCsv('"a"b,c')], /line 1: unexpected text after a closing quote/);
  });
});

describe('readAccessorFile, text', () => {
  it('trims IDs and skips blank lines and comments, keeping the first of repeated IDs', async () => {
    const path = file(
      'ids.txt',
      '\ufeff# new hires\r\n  alice@example.com \r\n\r\nbob@example.com\n\t\n# end\nalice@example.com\n',
    );

    const list = await readAccessorFile(path);

    assert.deepEqual(list, {
      accessorIds: ['alice@example.com', 'bob@example.com'],
      duplicates: 1,
    });
  });

  it('names the file and the line of each invalid ID', async () => {
    const path = file('bad.txt', `ok-1\nbad\u0007id\nok-2\n${'x'.repeat(257)}\n`);

    await assert.rejects(readAccessorFile(path), (error: unknown) => {
      assert.ok(error instanceof AccessorFileError);
      assert.ok(error instanceof UsageError);
      assert.equal(error.exitCode, 2);
      assert.equal(error.line, 2);
      assert.match(error.message, /bad\.txt: 2 invalid accessor IDs/);
      assert.match(
        error.message,
        /line 2: accessor ID must not contain control characters \("bad\\u0007id"\)/,
      );
      assert.match(error.message, /line 4: accessor ID must be at most 256 characters long/);
      return true;
    });
  });

  it('accepts an ID of 256 code points that is longer in UTF-16 units', () => {
    const id = '😀'.repeat(256);

    assert.deepEqual(parseAccessorList(id, 'text').accessorIds, [id]);
  });

  it('lists ten problems and counts the rest', () => {
    const text = Array.from({ length: 15 }, () => 'a\u0000b').join('\n');

    assert.throws(
      () => parseAccessorList(text, 'text'),
      (error: unknown) =>
        error instanceof AccessorFileError &&
        error.message.startsWith('15 invalid accessor IDs') &&
        error.message.split('\n').filter((line) => line.includes('line ')).length === 10 &&
        /… and 5 more$/.test(error.message),
    );
  });

  it('rejects a file with no IDs, a missing file, a folder and a file that is not UTF-8', async () => {
    await assert.rejects(
      readAccessorFile(file('empty.txt', '# nothing\n\n')),
      /no accessor IDs found/,
    );
    await assert.rejects(
      readAccessorFile(join(dir, 'missing.txt')),
      (error: unknown) =>
        error instanceof AccessorFileError &&
        /^Cannot read .*missing\.txt: the file does not exist$/.test(error.message),
    );
    await assert.rejects(readAccessorFile(dir), /: it is a folder, not a file$/);
    await assert.rejects(
      readAccessorFile(file('latin1.txt', Buffer.from([0x61, 0xe9, 0x0a]))),
      /latin1\.txt is not UTF-8 text/,
    );
  });
});

describe('readAccessorFile, CSV', () => {
  it('with --no-header, takes the first column of every row, the first included', async () => {
    const path = file('plain.csv', 'alice,Alice A\n"bob, jr",Bob\n\n,\n# comment\ncarol\n');

    const list = await readAccessorFile(path, { header: false });

    assert.deepEqual(list.accessorIds, ['alice', 'bob, jr', 'carol']);
  });

  it('takes the column a header names accessorId, accessor_id or id, in any case', () => {
    assert.deepEqual(
      parseAccessorList('name,AccessorId\nAlice,alice\nBob, bob \n', 'csv').accessorIds,
      ['alice', 'bob'],
    );
    assert.deepEqual(parseAccessorList('id,accessor_id\n1,alice\n2,bob\n', 'csv').accessorIds, [
      'alice',
      'bob',
    ]);
    assert.deepEqual(parseAccessorList('email,ID\nx,alice\n', 'csv').accessorIds, ['alice']);
  });

  it('takes a one-column header written with a space or a dash for the accessor column, not an ID', () => {
    for (const header of ['Accessor ID', 'accessor-id', ' Accessor Id ']) {
      assert.deepEqual(
        parseAccessorList(`${header}\nu-1\nu-2\n`, 'csv').accessorIds,
        ['u-1', 'u-2'],
        header,
      );
    }
  });

  it('reads quoted IDs holding commas, quotes and a leading #', () => {
    const text = 'accessorId,note\n"a,b",x\n"say ""hi""",y\n"#hash",z\n';

    assert.deepEqual(parseAccessorList(text, 'csv').accessorIds, ['a,b', 'say "hi"', '#hash']);
  });

  it('names the line of a row without an ID, counting lines inside quoted fields', () => {
    const text = 'accessorId,note\nalice,"a note\nover two lines"\n,orphan\n';

    assert.throws(
      () => parseAccessorList(text, 'csv'),
      (error: unknown) =>
        error instanceof AccessorFileError &&
        error.line === 4 &&
        /line 4: no accessor ID in column 1/.test(error.message),
    );
  });

  it('names the line of an unterminated quote', async () => {
    const path = file('open.csv', 'alice\n"bob\ncarol\n');

    await assert.rejects(
      readAccessorFile(path),
      (error: unknown) =>
        error instanceof AccessorFileError &&
        error.line === 2 &&
        /open\.csv: line 2: a quoted field is never closed/.test(error.message),
    );
  });

  it('uses the column passed by name, and refuses a file whose first row lacks it', () => {
    assert.deepEqual(
      parseAccessorList('email,name\nalice@example.com,Alice\n', 'csv', { column: 'Email' })
        .accessorIds,
      ['alice@example.com'],
    );
    assert.throws(
      () => parseAccessorList('alice@example.com,Alice\n', 'csv', { column: 'email' }),
      /line 1: the first row has no column named "email"/,
    );
  });

  it('reads a .txt file as text even when its lines hold commas', async () => {
    const path = file('commas.txt', 'a,b\n');

    assert.deepEqual((await readAccessorFile(path)).accessorIds, ['a,b']);
  });

  it('reads a file of any name as CSV when --column, --header or --no-header is given', async () => {
    const path = file('export.txt', 'name,accessorId\nAlice,alice\n"Bob, jr",bob\n');
    const plain = file('export.dat', 'alice,Alice\nbob,Bob\n');

    const byColumn = await readAccessorFile(path, { column: 'accessorId' });
    const byHeader = await readAccessorFile(path, { header: true });
    const headerless = await readAccessorFile(plain, { header: false });

    assert.deepEqual(byColumn.accessorIds, ['alice', 'bob']);
    assert.deepEqual(byHeader.accessorIds, ['alice', 'bob']);
    assert.deepEqual(headerless.accessorIds, ['alice', 'bob']);
  });

  it('refuses CSV options for a file read as text', () => {
    assert.throws(
      () => parseAccessorList('alice\n', 'text', { column: 'accessorId' }),
      (error: unknown) =>
        error instanceof AccessorFileError && /apply to a CSV file only/.test(error.message),
    );
  });
});

describe('readAccessorFile, a CSV first row that is not a recognised header', () => {
  /** The refusal `parseAccessorList` throws for `text`, checked to be a usage error (exit 2). */
  function refusal(text: string, options = {}): AccessorFileError {
    let thrown: unknown;
    assert.throws(
      () => parseAccessorList(text, 'csv', options),
      (error) => {
        thrown = error;
        return error instanceof AccessorFileError && error instanceof UsageError;
      },
    );
    assert.equal((thrown as UsageError).exitCode, 2);
    return thrown as AccessorFileError;
  }

  it('refuses email,name: it names the fields and says to pass --column or --no-header', () => {
    const error = refusal('email,name\nalice@example.com,Alice\n');

    assert.equal(error.line, 1);
    assert.match(error.message, /^line 1: the first row \("email", "name"\) is not a header/);
    assert.match(error.message, /\(accessorId, Accessor ID, accessor_id or id\)/);
    assert.match(error.message, /Pass --column <name>/);
    assert.match(error.message, /--no-header/);
  });

  it('refuses name,email rather than inviting the names', () => {
    const error = refusal('# export\nname,email\nAlice,alice@example.com\n');

    assert.equal(error.line, 2);
    assert.match(error.message, /^line 2: the first row \("name", "email"\)/);
  });

  it('refuses a headerless file of several columns, and reads it with --no-header', () => {
    const text = 'alice@example.com,Alice\nbob@example.com,Bob\n';

    const error = refusal(text);
    const list = parseAccessorList(text, 'csv', { header: false });

    assert.match(error.message, /the first row \("alice@example\.com", "Alice"\)/);
    assert.deepEqual(list.accessorIds, ['alice@example.com', 'bob@example.com']);
  });

  it('reads the id column of id,name', () => {
    const list = parseAccessorList('id,name\nu-1,Alice\nu-2,Bob\n', 'csv');

    assert.deepEqual(list.accessorIds, ['u-1', 'u-2']);
  });

  it('reads a one-column file headed accessorId without sending the header', () => {
    const list = parseAccessorList('accessorId\nalice\nbob\n', 'csv');

    assert.deepEqual(list.accessorIds, ['alice', 'bob']);
  });

  it('reads a one-column file without a header from its first row', () => {
    const list = parseAccessorList('alice@example.com\nbob@example.com\n', 'csv');

    assert.deepEqual(list.accessorIds, ['alice@example.com', 'bob@example.com']);
  });

  it('refuses a one-column file whose first row is a header-like word, in any spelling', () => {
    for (const word of ['email', 'Name', 'user', 'User Name', 'user_id', 'LOGIN', 'E-mail']) {
      const error = refusal(`${word}\nalice@example.com\n`);

      assert.match(error.message, /looks like a header, not an accessor ID/, word);
    }
    assert.match(refusal('email\nalice\n').message, /Pass --column email to read the IDs/);
    assert.match(refusal('User Name\nalice\n').message, /Pass --column "User Name"/);
  });

  it('reads the column --column names, and a header-like first row with --no-header', () => {
    assert.deepEqual(
      parseAccessorList('name,email\nAlice,alice@example.com\n', 'csv', { column: 'email' })
        .accessorIds,
      ['alice@example.com'],
    );
    assert.deepEqual(parseAccessorList('email\nalice\n', 'csv', { column: 'email' }).accessorIds, [
      'alice',
    ]);
    assert.deepEqual(parseAccessorList('user\nalice\n', 'csv', { header: false }).accessorIds, [
      'user',
      'alice',
    ]);
  });

  it('refuses --column with --no-header, and a first row --header finds no accessor column in', () => {
    assert.match(
      refusal('email\nalice\n', { column: 'email', header: false }).message,
      /--column names a header, so it cannot go with --no-header/,
    );
    assert.match(
      refusal('alice\nbob\n', { header: true }).message,
      /the first row \("alice"\) is not a header naming the accessor column/,
    );
  });
});
