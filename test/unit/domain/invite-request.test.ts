import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InviteValidationError } from '../../../shared/domain/errors.ts';
import { parseInviteRequest } from '../../../shared/domain/invite-request.ts';
import { hasControlCharacter, isPlainJsonText } from '../../../shared/domain/text.ts';

const SPACE = 'SP0123456789abcdefABCDEF';
const valid = { accessorIds: ['user-1'], title: 'Welcome', body: 'Join us' };

function problemsOf(action: () => unknown): InviteValidationError {
  try {
    action();
  } catch (error) {
    assert.ok(
      error instanceof InviteValidationError,
      `expected InviteValidationError, got ${error}`,
    );
    return error;
  }
  assert.fail('expected the request to be rejected');
}

function fieldNames(error: InviteValidationError): string[] {
  return error.fieldList.map((field) => field.name);
}

describe('parseInviteRequest', () => {
  it('accepts a valid request and keeps the first occurrence of duplicates in order', () => {
    const request = parseInviteRequest(SPACE, { ...valid, accessorIds: ['b', 'a', 'b', 'c', 'a'] });

    assert.deepEqual(request, {
      spaceId: SPACE,
      accessorIds: ['b', 'a', 'c'],
      title: 'Welcome',
      body: 'Join us',
      resend: false,
      plainAsciiIds: true,
    });
  });

  it('reads resend as an optional flag and refuses anything but true or false', () => {
    assert.equal(parseInviteRequest(SPACE, { ...valid, resend: true }).resend, true);
    assert.equal(parseInviteRequest(SPACE, { ...valid, resend: false }).resend, false);
    for (const resend of ['true', 1, {}, []]) {
      assert.deepEqual(
        fieldNames(problemsOf(() => parseInviteRequest(SPACE, { ...valid, resend }))),
        ['resend'],
      );
    }
  });

  it('refuses a field spelt like a request field without being it, and ignores other fields', () => {
    for (const [name, meant] of [
      ['dryrun', 'dryRun'],
      ['dry_run', 'dryRun'],
      ['Resend', 'resend'],
      ['accessor-ids', 'accessorIds'],
      ['TITLE', 'title'],
      ['space id', 'spaceId'],
    ]) {
      const error = problemsOf(() =>
        parseInviteRequest(SPACE, { ...valid, [name as string]: true }),
      );
      assert.deepEqual(error.fieldList, [
        { name, message: `${name} is not a field; did you mean ${meant}?` },
      ]);
    }
    const request = parseInviteRequest(SPACE, { ...valid, comment: 'for the Q3 cohort' });
    assert.deepEqual(request.accessorIds, ['user-1']);
  });

  it('takes a spaceId in the body only when it is the space it was given (the path’s)', () => {
    assert.equal(parseInviteRequest(SPACE, { ...valid, spaceId: SPACE }).spaceId, SPACE);
    for (const spaceId of ['SPother0000000000000000', null, 7]) {
      assert.deepEqual(
        problemsOf(() => parseInviteRequest(SPACE, { ...valid, spaceId })).fieldList,
        [
          {
            name: 'spaceId',
            message: 'spaceId in the body must be the space of the path, or left out',
          },
        ],
      );
    }
    // An invalid path space is the one problem named, not the body's too.
    assert.deepEqual(
      fieldNames(problemsOf(() => parseInviteRequest('bad/space', { ...valid, spaceId: SPACE }))),
      ['spaceId'],
    );
  });

  it('tells whether every accessor ID is plain ASCII, and takes it from a plain JSON text unchecked', () => {
    const plain = parseInviteRequest(SPACE, { ...valid, accessorIds: ['a@example.com'] });
    const accented = parseInviteRequest(SPACE, { ...valid, accessorIds: ['zoë@example.com'] });
    const quoted = parseInviteRequest(SPACE, { ...valid, accessorIds: ['say "hi"'] });
    const text = JSON.stringify({ ...valid, accessorIds: ['a', 'b', 'a'] });
    const fromText = parseInviteRequest(SPACE, JSON.parse(text), {
      plainText: isPlainJsonText(text),
    });

    assert.deepEqual(
      [plain, accented, quoted].map((request) => request.plainAsciiIds),
      [true, false, false],
    );
    assert.equal(isPlainJsonText(text), true);
    assert.deepEqual(fromText.accessorIds, ['a', 'b']);
    assert.equal(fromText.plainAsciiIds, true);
  });

  it('counts title length in code points: 200 emoji pass, 201 fail', () => {
    const emoji = '😀';

    assert.equal(
      parseInviteRequest(SPACE, { ...valid, title: emoji.repeat(200) }).title.length,
      400,
    );
    assert.deepEqual(
      fieldNames(
        problemsOf(() => parseInviteRequest(SPACE, { ...valid, title: emoji.repeat(201) })),
      ),
      ['title'],
    );
  });

  it('bounds the body at 1..600 code points', () => {
    assert.ok(parseInviteRequest(SPACE, { ...valid, body: 'é'.repeat(600) }));
    assert.ok(parseInviteRequest(SPACE, { ...valid, body: 'x' }));
    for (const body of ['', 'x'.repeat(601), '😀'.repeat(601)]) {
      assert.deepEqual(
        fieldNames(problemsOf(() => parseInviteRequest(SPACE, { ...valid, body }))),
        ['body'],
      );
    }
  });

  it('bounds the title at 1 code point', () => {
    assert.deepEqual(
      fieldNames(problemsOf(() => parseInviteRequest(SPACE, { ...valid, title: '' }))),
      ['title'],
    );
  });

  it('accepts accessor IDs of 256 code points and rejects 257', () => {
    assert.ok(parseInviteRequest(SPACE, { ...valid, accessorIds: ['😀'.repeat(256)] }));
    const error = problemsOf(() =>
      parseInviteRequest(SPACE, { ...valid, accessorIds: ['ok', 'a'.repeat(257)] }),
    );
    assert.deepEqual(fieldNames(error), ['accessorIds[1]']);
  });

  it('rejects empty, non-string, control-character and lone-surrogate accessor IDs', () => {
    const error = problemsOf(() =>
      parseInviteRequest(SPACE, {
        ...valid,
        accessorIds: ['', 7, 'tab\there', 'del\u007f', 'lone\ud800', 'fine'],
      }),
    );

    assert.deepEqual(fieldNames(error), [
      'accessorIds[0]',
      'accessorIds[1]',
      'accessorIds[2]',
      'accessorIds[3]',
      'accessorIds[4]',
    ]);
  });

  it('requires at least one accessor', () => {
    assert.deepEqual(
      fieldNames(problemsOf(() => parseInviteRequest(SPACE, { ...valid, accessorIds: [] }))),
      ['accessorIds'],
    );
  });

  it('lists every failing field, not just the first', () => {
    const error = problemsOf(() => parseInviteRequest('bad/space', { accessorIds: 'x', title: 5 }));

    assert.equal(error.reason, 'fieldValidationFailed');
    assert.deepEqual(fieldNames(error), ['spaceId', 'title', 'body', 'accessorIds']);
    assert.match(error.message, /spaceId, title, body, accessorIds/);
  });

  it('caps the listed accessor problems and counts the rest', () => {
    const error = problemsOf(() =>
      parseInviteRequest(SPACE, { ...valid, accessorIds: Array(150).fill('') }),
    );

    assert.equal(error.fieldList.length, 100);
    assert.match(error.message, /and 50 more/);
  });

  it('rejects a body that is not a JSON object with cannotParse', () => {
    for (const payload of [null, [], 'text', 42]) {
      assert.equal(problemsOf(() => parseInviteRequest(SPACE, payload)).reason, 'cannotParse');
    }
  });

  it('accepts space IDs of 1..64 letters, digits, - and _ only', () => {
    assert.ok(parseInviteRequest('a', valid));
    assert.ok(parseInviteRequest(`${'A'.repeat(32)}-_${'9'.repeat(30)}`, valid));
    for (const spaceId of ['', 'x'.repeat(65), 'a/b', 'a b', 'a.b', 'ä', undefined, 7]) {
      assert.deepEqual(fieldNames(problemsOf(() => parseInviteRequest(spaceId, valid))), [
        'spaceId',
      ]);
    }
  });

  it('property: accepted IDs are the distinct inputs in first-seen order', () => {
    const id = fc
      .string({ minLength: 1, maxLength: 20, unit: 'grapheme-ascii' })
      .filter((s) => !hasControlCharacter(s));
    fc.assert(
      fc.property(fc.array(id, { minLength: 1, maxLength: 200 }), (ids) => {
        const request = parseInviteRequest(SPACE, { ...valid, accessorIds: ids });
        assert.deepEqual(request.accessorIds, [...new Set(ids)]);
      }),
    );
  });

  it('property: title validity is exactly 1..200 code points of well-formed text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 260, unit: 'binary' }), (title) => {
        const length = [...title].length;
        const expected = length >= 1 && length <= 200 && title.isWellFormed();
        let accepted = true;
        try {
          parseInviteRequest(SPACE, { ...valid, title });
        } catch {
          accepted = false;
        }
        assert.equal(accepted, expected);
      }),
    );
  });
});
