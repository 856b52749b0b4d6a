import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatStatus } from '../../../scripts/status.ts';
import type { RequestStatus } from '../../../shared/domain/request-status.ts';

const REFUSED_EVENT: RequestStatus = {
  requestId: 'evt-1',
  spaceId: '',
  source: 'event',
  requestedBy: 'hr.events (account 123456789012)',
  status: 'Failed',
  createdAt: '2026-12-01T10:00:00.000Z',
  updatedAt: '2026-12-01T10:00:00.000Z',
  expiresAt: '2026-12-31T10:00:00.000Z',
  accessors: { total: 0, invited: 0, skipped: 0, pending: 0, failed: 0 },
  failures: [
    {
      errorType: 'ValidationException',
      errorMessage: 'detail.accessorId is missing',
      accessorCount: 0,
    },
  ],
};

describe('formatStatus', () => {
  it('says a refused HR event named no space, and gives its reason without a count of no accessors', () => {
    const text = formatStatus(REFUSED_EVENT);

    assert.match(text, /Space {7}\(none: the request named none that could be read\)\n/);
    assert.match(text, /\nSource {6}HR event, from hr\.events \(account 123456789012\)\n/);
    assert.match(text, /\n {2}ValidationException: detail\.accessorId is missing\n/);
    assert.doesNotMatch(text, /0 ×/);
  });

  it('counts the accessors of each failure', () => {
    const text = formatStatus({
      ...REFUSED_EVENT,
      spaceId: 'SPACE1',
      failures: [{ errorType: 'AccessDeniedException', errorMessage: 'no', accessorCount: 1200 }],
    });

    assert.match(text, /Space {7}SPACE1\n/);
    assert.match(text, / {2}1,200 × AccessDeniedException: no\n/);
  });
});
