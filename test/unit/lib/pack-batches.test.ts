import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { packBatches } from '../../../shared/lib/pack-batches.ts';
import { runConcurrently } from '../../../shared/lib/run-concurrently.ts';

describe('packBatches', () => {
  it('fills batches of ten when messages are small', () => {
    const messages = Array.from({ length: 25 }, (_, index) => ({ id: String(index), body: 'x' }));

    assert.deepEqual(
      packBatches(messages, { maxEntries: 10, maxBytes: 1024 }).map((batch) => batch.length),
      [10, 10, 5],
    );
  });

  it('puts a message over the byte limit alone in its own batch, for SQS to refuse', () => {
    const messages = ['a', 'x'.repeat(300), 'b'].map((body, index) => ({
      id: String(index),
      body,
    }));

    const batches = packBatches(messages, { maxEntries: 10, maxBytes: 200 });

    assert.deepEqual(
      batches.map((batch) => batch.map((message) => message.id)),
      [['0'], ['1'], ['2']],
    );
  });

  it('property: keeps order and respects entry and byte limits', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 50 }), { maxLength: 100 }),
        (bodies) => {
          const messages = bodies.map((body, index) => ({ id: String(index), body }));
          const batches = packBatches(messages, { maxEntries: 10, maxBytes: 200 });
          assert.deepEqual(batches.flat(), messages);
          for (const batch of batches) {
            assert.ok(batch.length >= 1 && batch.length <= 10);
            const bytes = batch.reduce((sum, message) => sum + Buffer.byteLength(message.body), 0);
            assert.ok(bytes <= 200 || batch.length === 1);
          }
        },
      ),
    );
  });
});

describe('runConcurrently', () => {
  it('never runs more than the limit at once and runs every item', async () => {
    let running = 0;
    let peak = 0;
    const done: number[] = [];
    const gates = Array.from({ length: 9 }, () => Promise.withResolvers<void>());

    const all = runConcurrently([0, 1, 2, 3, 4, 5, 6, 7, 8], 3, async (item) => {
      running++;
      peak = Math.max(peak, running);
      await gates[item]?.promise;
      running--;
      done.push(item);
    });
    for (const gate of gates) {
      await new Promise((resolve) => setImmediate(resolve));
      gate.resolve();
    }
    await all;

    assert.equal(peak, 3);
    assert.deepEqual([...done].sort(), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
