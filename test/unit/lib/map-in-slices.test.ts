import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapInSlices } from '../../../shared/lib/map-in-slices.ts';

describe('mapInSlices', () => {
  it('maps every item in order', async () => {
    const items = Array.from({ length: 25 }, (_, index) => index);

    const mapped = await mapInSlices(items, 10, (item) => item * 2);

    assert.deepEqual(
      mapped,
      items.map((item) => item * 2),
    );
  });

  it('lets what waits on the event loop run between slices', async () => {
    const events: string[] = [];
    const waiting = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      events.push('I/O');
    });

    await mapInSlices([1, 2, 3, 4], 2, (item) => events.push(`item ${item}`));
    await waiting;

    assert.ok(events.indexOf('I/O') < events.indexOf('item 3'), events.join(', '));
  });
});
