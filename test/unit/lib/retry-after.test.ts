import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRetryAfter } from '../../../shared/lib/retry-after.ts';

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates as milliseconds', () => {
    const now = Date.parse('2026-03-01T12:00:00Z');

    assert.equal(parseRetryAfter('3', now), 3000);
    assert.equal(parseRetryAfter(' 0 ', now), 0);
    assert.equal(parseRetryAfter('Sun, 01 Mar 2026 12:00:07 GMT', now), 7000);
    assert.equal(parseRetryAfter('Sun, 01 Mar 2026 11:59:00 GMT', now), 0);
  });

  it('ignores an absent or unreadable header', () => {
    assert.equal(parseRetryAfter(null), undefined);
    assert.equal(parseRetryAfter(''), undefined);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter('-1'), undefined);
  });
});
