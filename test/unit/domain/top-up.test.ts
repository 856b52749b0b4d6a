import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReceivedMessage } from '../../../shared/domain/delivery.ts';
import { encodeInviteChunk } from '../../../shared/domain/invite-chunk.ts';
import type { BatchSource } from '../../../shared/domain/ports.ts';
import {
  accessorsToSend,
  TOP_UP_MAX_BATCH_BYTES,
  TOP_UP_POLL_STEP_MS,
  topUp,
} from '../../../shared/domain/top-up.ts';

let sequence = 0;

/** A received chunk of `accessors` people. */
function message(
  accessors: number,
  extra: Partial<ReceivedMessage> = {},
  spaceId = 'SPACE1',
): ReceivedMessage {
  sequence++;
  const body = encodeInviteChunk({
    v: 1,
    requestId: `req-${sequence}`,
    part: 1,
    parts: 1,
    spaceId,
    title: 'Welcome',
    body: 'Join us',
    accessorIds: Array.from({ length: accessors }, (_, index) => `p-${sequence}-${index}`),
  });
  return {
    messageId: `m-${sequence}`,
    receiptHandle: `h-${sequence}`,
    body,
    receiveCount: 1,
    ...extra,
  };
}

/** A queue that hands out what the test scripts, one answer per receive, on a fake clock. */
class ScriptedSource implements BatchSource {
  readonly receives: { max: number; waitSeconds: number; at: number }[] = [];
  readonly clock = { now: 0 };
  readonly #answers: (ReceivedMessage[] | Error)[];

  constructor(answers: (ReceivedMessage[] | Error)[]) {
    this.#answers = answers;
  }

  async receive(max: number, waitSeconds: number) {
    this.receives.push({ max, waitSeconds, at: this.clock.now });
    const answer = this.#answers.shift() ?? [];
    if (answer instanceof Error) throw answer;
    // A long poll that finds nothing waits its time out.
    if (answer.length === 0) this.clock.now += waitSeconds * 1000;
    return answer;
  }

  async delete() {
    return [];
  }

  options(until: number) {
    return {
      source: this,
      until,
      now: () => this.clock.now,
      sleep: async (ms: number) => {
        this.clock.now += ms;
      },
    };
  }
}

describe('topUp', () => {
  it('gathers until the batch holds a call of 1000 accessors, asking for no more messages than accessors wanted', async () => {
    const source = new ScriptedSource([
      [message(400), message(200)],
      [message(100), message(5)],
    ]);
    const extra = await topUp([message(300)], source.options(1_000));

    assert.equal(accessorsToSend(extra), 705);
    assert.deepEqual(
      source.receives.map(({ max }) => max),
      [10, 10],
    );
    const nearlyFull = new ScriptedSource([[message(1)], [message(5)], [message(1)]]);
    await topUp([message(994)], nearlyFull.options(1_000));
    assert.deepEqual(
      nearlyFull.receives.map(({ max }) => max),
      [6, 5],
    );
  });

  it('long-polls a second at a time, then polls the last part of the window in short steps, and stops when it ends', async () => {
    const source = new ScriptedSource([]);
    const extra = await topUp([message(1)], source.options(2_120));

    assert.deepEqual(extra, []);
    assert.deepEqual(
      source.receives.slice(0, 3).map(({ waitSeconds, at }) => ({ waitSeconds, at })),
      [
        { waitSeconds: 1, at: 0 },
        { waitSeconds: 1, at: 1_000 },
        { waitSeconds: 0, at: 2_000 },
      ],
    );
    const shortPolls = source.receives.slice(2);
    // And one once the window has passed, for a backlog.
    assert.equal(shortPolls.length, Math.ceil(120 / TOP_UP_POLL_STEP_MS) + 1);
    assert.ok(shortPolls.every(({ waitSeconds }) => waitSeconds === 0));
    assert.ok(source.clock.now >= 2_120);
  });

  it('leaves a batch alone that holds a call already', async () => {
    const full = new ScriptedSource([[message(1)]]);
    assert.deepEqual(await topUp([message(600), message(400)], full.options(1_000)), []);
    assert.equal(full.receives.length, 0);
  });

  it('past its window waits for nothing, and takes only what is already waiting', async () => {
    const waiting = message(1);
    const late = new ScriptedSource([[waiting], [message(1)]]);
    late.clock.now = 5_000;

    assert.deepEqual(await topUp([message(1)], late.options(5_000)), [waiting]);
    assert.deepEqual(
      late.receives.map(({ waitSeconds }) => waitSeconds),
      [0],
      'a receive that came back short ends it',
    );
    assert.equal(late.clock.now, 5_000);
  });

  it('past its window stops at chunks with nothing to send, and at its deadline', async () => {
    const delivered = () =>
      Array.from({ length: 10 }, () => message(1, { delivered: { at: 1, skippedIds: [] } }));
    const full = () => Array.from({ length: 10 }, () => message(1));
    const marked = new ScriptedSource([delivered(), full(), full()]);
    marked.clock.now = 5_000;
    const due = new ScriptedSource([full(), full(), full()]);
    due.clock.now = 5_000;

    await topUp([message(1)], marked.options(4_000));
    await topUp([message(1)], { ...due.options(4_000), deadline: 5_000 });

    assert.equal(marked.receives.length, 1, 'a full receive of re-queued chunks is no backlog');
    assert.equal(due.receives.length, 1, 'none after the last moment a call can start');
  });

  it('past its window takes a backlog, receive after full receive, up to a call', async () => {
    const full = () => Array.from({ length: 10 }, () => message(30));
    const backlog = [full(), full(), [message(2), message(2)], [message(1)]];
    const late = new ScriptedSource([...backlog]);
    late.clock.now = 5_000;

    const extra = await topUp([message(1)], late.options(4_000));

    assert.deepEqual(extra, backlog.slice(0, 3).flat());
    assert.equal(late.receives.length, 3);
    assert.equal(late.clock.now, 5_000, 'without waiting');
  });

  it('ends at a failed receive with what it gathered before, and tells why', async () => {
    const first = message(2);
    const reset = new Error('connection reset');
    const source = new ScriptedSource([[first], reset, [message(3)]]);
    const errors: unknown[] = [];

    const extra = await topUp([message(1)], {
      ...source.options(1_000),
      onError: (error) => errors.push(error),
    });

    assert.deepEqual(extra, [first]);
    assert.equal(source.receives.length, 2);
    assert.deepEqual(errors, [reset]);
  });

  it('ends at a message that needs a call of its own, which it keeps', async () => {
    const sameCall = message(1);
    const otherSpace = message(1, {}, 'SPACE2');
    const source = new ScriptedSource([[sameCall], [otherSpace], [message(1)]]);

    assert.deepEqual(await topUp([message(1)], source.options(1_000)), [sameCall, otherSpace]);
    assert.equal(source.receives.length, 2);
  });

  it('ends once the batch holds what one invocation may (6 MB), whatever the accessors', async () => {
    // Chunks re-queued as delivered send nobody: only their size ends the top-up.
    const big = () => ({
      ...message(1, { delivered: { at: 1, skippedIds: [] } }),
      body: 'x'.repeat(2 * 1024 * 1024),
    });
    const source = new ScriptedSource([[big()], [big()], [big()], [big()]]);

    const extra = await topUp([message(1)], source.options(1_000));

    assert.equal(extra.length, Math.ceil(TOP_UP_MAX_BATCH_BYTES / (2 * 1024 * 1024)));
    assert.equal(source.receives.length, extra.length);
  });

  it('counts no accessors for a chunk re-queued as delivered or one that does not decode', () => {
    const delivered = message(50, { delivered: { at: 1, skippedIds: [] } });
    const broken = { ...message(1), body: '{"v":1' };

    assert.equal(accessorsToSend([delivered, broken, message(7)]), 7);
    assert.equal(accessorsToSend([message(600), message(600), message(600)], 1000), 1200);
  });
});
