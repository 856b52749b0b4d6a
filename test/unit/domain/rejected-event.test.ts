import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rejectedEventRecord } from '../../../shared/domain/rejected-event.ts';

const REASON = { errorType: 'ValidationException', errorMessage: 'accessorIds[0] is invalid' };

function failedIdsOf(detail: unknown): readonly string[] {
  return rejectedEventRecord({ id: 'event-1', detail }, REASON, 'hr.events', 86_400_000, 1_000)
    .outcome.failedIds;
}

describe('rejectedEventRecord', () => {
  it('lists each named ID once, cut to 256 UTF-16 units, as well-formed text', () => {
    const emoji = '😀';
    const long = `a${emoji.repeat(200)}`;

    const listed = failedIdsOf({
      accessorIds: ['ok@example.com', long, 'ok@example.com', 'x\ud800y'],
    });

    assert.equal(listed.length, 3);
    assert.equal(listed[0], 'ok@example.com');
    // The cut falls inside the 128th emoji: its first half is not kept as it is.
    assert.equal(listed[1], `a${emoji.repeat(127)}\ufffd…`);
    assert.equal(listed[2], 'x\ufffdy');
    assert.ok(listed.every((id) => id.isWellFormed()));
  });
});
