import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isPlainAscii, isPlainJsonText } from '../../../shared/domain/text.ts';

/** Every string in a parsed JSON value, keys included. */
function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, member]) => [key, ...stringsOf(member)]);
  }
  return [];
}

describe('isPlainJsonText', () => {
  it('accepts plain JSON, pretty-printed too, and refuses escapes, DEL and anything beyond ASCII', () => {
    const cases: [string, boolean][] = [
      ['{"accessorIds":["a@example.com","b"],"title":"Hi there!"}', true],
      ['{\n\t"accessorIds": [\r\n "a"\n]\n}', true],
      ['{"title":"say \\"hi\\""}', false],
      ['{"title":"\\u0041"}', false],
      ['{"title":"a\u007fb"}', false],
      ['{"title":"zoë"}', false],
      ['{"title":"😀"}', false],
    ];

    assert.deepEqual(
      cases.map(([text]) => isPlainJsonText(text)),
      cases.map(([, plain]) => plain),
    );
  });

  it('property: every string parsed from a plain JSON text is plain ASCII', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        if (!isPlainJsonText(text)) return;
        assert.ok(stringsOf(JSON.parse(text)).every(isPlainAscii));
      }),
    );
  });
});
