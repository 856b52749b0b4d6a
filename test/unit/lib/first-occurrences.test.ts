import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readInviteBodyText } from '../../../shared/domain/accessor-ids-text.ts';
import { uniqueStrings } from '../../../shared/domain/unique-strings.ts';
import { firstOccurrences } from '../../../shared/lib/first-occurrences.ts';
import { fnv1a } from '../../../shared/lib/fnv1a.ts';

/** `count` distinct IDs whose FNV-1a hashes share their low 11 bits: one slot of a 2,048 table. */
function collidingIds(count: number): string[] {
  const ids: string[] = [];
  for (let n = 0; ids.length < count; n++) {
    const id = `id-${n.toString(36)}`;
    if ((fnv1a(id) & 2047) === 0) ids.push(id);
  }
  return ids;
}

describe('firstOccurrences', () => {
  it('keeps the first of each item, in order, comparing only items whose hashes match', () => {
    const items = ['a', 'b', 'a', 'c', 'b', 'd'];
    const hashes = Int32Array.from(items, (item) => item.charCodeAt(0) % 2);
    const compared: string[] = [];

    const kept = firstOccurrences(hashes, items.length, (earlier, index) => {
      compared.push(`${items[earlier]}${items[index]}`);
      return items[earlier] === items[index];
    });

    assert.deepEqual([...(kept ?? [])], [0, 1, 3, 5]);
    assert.ok(
      compared.every((pair) => pair.charCodeAt(0) % 2 === pair.charCodeAt(1) % 2),
      compared.join(' '),
    );
  });

  it('gives up, rather than take quadratic time, when the hashes bunch up', () => {
    const bunched = new Int32Array(200).fill(7);
    const few = Int32Array.from({ length: 200 }, (_, index) => (index < 5 ? 7 : index + 1_000));

    assert.equal(
      firstOccurrences(bunched, 200, () => false),
      undefined,
    );
    assert.equal(firstOccurrences(few, 200, () => false)?.length, 200);
  });

  it('leaves IDs made to collide to a Set, and to JSON.parse, with the same answer', () => {
    const ids = collidingIds(600);
    const withRepeats = [...ids, ...ids.slice(0, 100)];
    const hashes = Int32Array.from(withRepeats, fnv1a);
    const body = JSON.stringify({ title: 'Hi', body: 'Join', accessorIds: withRepeats });

    assert.equal(
      firstOccurrences(hashes, hashes.length, () => false),
      undefined,
    );
    assert.deepEqual(uniqueStrings(withRepeats), ids);
    assert.equal(readInviteBodyText(body), undefined);
  });
});
