import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { readInviteBodyText } from '../../../shared/domain/accessor-ids-text.ts';
import { requestFingerprint } from '../../../shared/domain/idempotency.ts';
import { encodeInviteChunk, planInviteChunks } from '../../../shared/domain/invite-chunk.ts';
import { accessorCountOf, parseInviteRequest } from '../../../shared/domain/invite-request.ts';
import { uniqueStrings } from '../../../shared/domain/unique-strings.ts';

const SPACE = 'SPTEXT00000000000000000AA';
// Printable ASCII but the quote and the backslash: what the fast path reads.
const plainId = fc.stringMatching(/^[ !#-[\]-~]{1,12}$/);
const otherMember = fc.oneof(
  fc.constant(''),
  fc.constant('a'.repeat(257)),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }),
  fc.jsonValue({ maxDepth: 1 }),
);
const isPlainId = (value: unknown) =>
  typeof value === 'string' && value.length <= 256 && /^[ !#-[\]-~]+$/.test(value);

/** A body whose list is mostly plain IDs (repeated at times), among other fields in any order. */
const bodies = fc
  .record({
    ids: fc.array(
      fc.oneof({ weight: 12, arbitrary: plainId }, { weight: 1, arbitrary: otherMember }),
      {
        maxLength: 30,
      },
    ),
    repeats: fc.array(fc.nat(), { maxLength: 5 }),
    others: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), {
      maxKeys: 4,
    }),
    at: fc.nat(),
    indent: fc.constantFrom(undefined, 1, 2, '\t', ' \n'),
  })
  .map(({ ids, repeats, others, at, indent }) => {
    const list = [
      ...ids,
      ...repeats.flatMap((index) => ids.slice(index % ids.length, (index % ids.length) + 1)),
    ];
    const entries = Object.entries(others).filter(([key]) => key !== 'accessorIds');
    entries.splice(at % (entries.length + 1), 0, ['accessorIds', list]);
    const payload = Object.fromEntries(entries) as Record<string, unknown>;
    return { payload, list, text: JSON.stringify(payload, null, indent) };
  });

describe('readInviteBodyText', () => {
  it('property: reads what JSON.parse reads, the list without repeats, and takes every plain list', () => {
    fc.assert(
      fc.property(bodies, ({ payload, list, text }) => {
        const read = readInviteBodyText(text);
        const keys = Object.keys(payload);
        const fast =
          list.length > 0 &&
          list.every(isPlainId) &&
          keys.every((key) => JSON.stringify(key) === `"${key}"`);
        assert.equal(read !== undefined, fast);
        if (read === undefined) return;
        assert.deepEqual(read.payload, { ...JSON.parse(text), accessorIds: [] });
        const ids = uniqueStrings(list as string[]);
        assert.deepEqual(read.accessorIds.ids(), ids);
        assert.equal(read.accessorIds.count, ids.length);
        for (let from = 0; from < ids.length; from++) {
          const to = from + 1 + ((from * 7) % (ids.length - from));
          assert.equal(
            read.accessorIds.membersJson(from, to),
            JSON.stringify(ids.slice(from, to)).slice(1, -1),
          );
          assert.equal(read.accessorIds.joined(from, to, '\n'), ids.slice(from, to).join('\n'));
        }
      }),
      { numRuns: 400 },
    );
  });

  it('leaves to JSON.parse the bodies it cannot read exactly', () => {
    const cases = {
      'an escaped key': '{"accessor\\u0049ds":["a"]}',
      'a list named twice': '{"accessorIds":["a"],"accessorIds":["b"]}',
      'another key named twice': '{"title":"a","accessorIds":["a"],"title":"b"}',
      'an escape in an ID': '{"accessorIds":["a\\u0041"]}',
      'an ID beyond ASCII': '{"accessorIds":["é"]}',
      'DEL in an ID': '{"accessorIds":["a\u007f"]}',
      'an empty list': '{"accessorIds":[]}',
      'an empty ID': '{"accessorIds":["a",""]}',
      'an ID of 257 characters': `{"accessorIds":["${'a'.repeat(257)}"]}`,
      'a number in the list': '{"accessorIds":["a",1]}',
      'no list': '{"title":"a"}',
      'a list in a nested object': '{"x":{"accessorIds":["a"]}}',
      'a list in a string': '{"x":"{\\"accessorIds\\":[\\"a\\"]}"}',
      'a trailing comma': '{"accessorIds":["a",]}',
      'a trailing comma after the list': '{"accessorIds":["a"],}',
      'broken JSON elsewhere': '{"accessorIds":["a"],"title":tru}',
      'an unclosed list': '{"accessorIds":["a"',
      'text after the object': '{"accessorIds":["a"]} x',
      'an array': '[{"accessorIds":["a"]}]',
      'a byte-order mark': '\ufeff{"accessorIds":["a"]}',
      // Object.keys puts array-index keys first, so the walk cannot check its keys against it.
      'an index key after the list': '{"accessorIds":["a"],"0":1}',
    };
    for (const [name, text] of Object.entries(cases)) {
      assert.equal(readInviteBodyText(text), undefined, name);
    }
  });

  it('reads a list among nested values, strings full of quotes, and whitespace anywhere', () => {
    const text =
      ' {\n "title" : "say \\"accessorIds\\":[\\"x\\"]\\\\" , "n":[1,{"accessorIds":[2]}],' +
      '"accessorIds"\t:\r[ "b" ,"a","b" ] , "resend" : false }\n';

    const read = readInviteBodyText(text);

    assert.deepEqual(read?.payload, {
      title: 'say "accessorIds":["x"]\\',
      n: [1, { accessorIds: [2] }],
      accessorIds: [],
      resend: false,
    });
    assert.deepEqual(read?.accessorIds.ids(), ['b', 'a']);
    assert.equal(read?.accessorIds.membersJson(0, 2), '"b","a"');
  });

  it('keeps two different IDs whose hashes collide', () => {
    // 'id-5pvu' and 'id-c3ea' share a 32-bit FNV-1a hash, so they land in one probe chain.
    const read = readInviteBodyText('{"accessorIds":["id-5pvu","id-c3ea","id-5pvu","id-c3ea"]}');

    assert.deepEqual(read?.accessorIds.ids(), ['id-5pvu', 'id-c3ea']);
  });

  it('makes no string of an ID until one is read: not to count, split, encode or fingerprint the list', () => {
    const ids = Array.from({ length: 2_500 }, (_, index) => `user-${index}@example.com`);
    const read = readInviteBodyText(
      JSON.stringify({ title: 'Hi', body: 'Join', accessorIds: ids }),
    );
    assert.ok(read);
    const made: string[] = [];
    const original = read.accessorIds.ids.bind(read.accessorIds);
    read.accessorIds.ids = (from, to) => {
      made.push(`${from ?? 'all'}-${to ?? 'all'}`);
      return original(from, to);
    };

    const request = parseInviteRequest(SPACE, read.payload, { accessorIds: read.accessorIds });
    const chunks = planInviteChunks(request, 'request-1', 262_144);
    const bodies = chunks.map(encodeInviteChunk);
    const fingerprint = requestFingerprint(request, { resend: false });
    const beforeReading = [...made];
    const second = chunks[1]?.accessorIds;

    assert.equal(accessorCountOf(request), 2_500);
    assert.equal(
      fingerprint,
      requestFingerprint(
        parseInviteRequest(SPACE, { title: 'Hi', body: 'Join', accessorIds: ids }),
        {
          resend: false,
        },
      ),
    );
    assert.equal(bodies.length, 3);
    assert.deepEqual(beforeReading, []);
    assert.deepEqual(second, ids.slice(1_000, 2_000));
    assert.equal(request.accessorIds, request.accessorIds, 'made once, then kept');
    assert.deepEqual(made, ['1000-2000', 'all-all']);
  });

  it('writes the same chunks as a body parsed whole: thousands of IDs, repeats and spacing', () => {
    const lists = {
      emails: Array.from({ length: 2_500 }, (_, index) => `user-${index % 2_200}@example.com`),
      // Short IDs outgrow the room the scan first makes for them.
      short: Array.from({ length: 2_500 }, (_, index) => (index % 2_300).toString(36)),
    };
    for (const [name, ids] of Object.entries(lists)) {
      const payload = { title: 'Welcome', body: 'Join "us"', accessorIds: ids, resend: true };
      for (const text of [JSON.stringify(payload), JSON.stringify(payload, null, 1)]) {
        const read = readInviteBodyText(text);
        assert.ok(read, `${name}: read from the text`);
        const fast = parseInviteRequest(SPACE, read.payload, { accessorIds: read.accessorIds });
        const whole = parseInviteRequest(SPACE, JSON.parse(text));
        const encode = (request: typeof fast) =>
          planInviteChunks(request, 'request-1', 262_144).map(encodeInviteChunk);

        assert.deepEqual(fast.accessorIds, whole.accessorIds, name);
        assert.deepEqual(encode(fast), encode(whole), name);
        assert.equal(encode(fast).length, 3, name);
      }
    }
  });
});
