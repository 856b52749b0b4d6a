import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planInviteChunks } from '../../../shared/domain/invite-chunk.ts';
import { previewInviteRequest } from '../../../shared/domain/preview-invite-request.ts';
import { MemoryLedger } from '../../helpers/ledger.ts';

describe('previewInviteRequest', () => {
  it('counts the messages the real request would make, its request ID sized in', async () => {
    // Bytes decide the split, and a long request ID leaves each chunk room for fewer IDs.
    const accessorIds = Array.from({ length: 60 }, (_, index) => `${'é'.repeat(40)}-${index}`);
    const request = { spaceId: 'SP1', accessorIds, title: 'T', body: 'B', resend: false };
    const requestId = 'r'.repeat(128);
    const dependencies = { history: new MemoryLedger(), windowMs: 0, maxMessageBytes: 1_000 };

    const answer = await previewInviteRequest(request, dependencies, requestId);

    const real = planInviteChunks(request, requestId, dependencies.maxMessageBytes).length;
    assert.equal(answer.messageCount, real);
    assert.notEqual(
      planInviteChunks(request, 'dry-run', 1_000).length,
      real,
      'the ID matters here',
    );
  });
});
