import type { ReceivedMessage } from '../../shared/domain/delivery.ts';
import type { InviteChunk } from '../../shared/domain/invite.ts';
import { encodeInviteChunk } from '../../shared/domain/invite-chunk.ts';

/**
 * Part `part` of 9 of request `req-1` to `SPACE1`, inviting `user-<part>`. Its title is its own,
 * so each chunk is a call of its own unless a test says otherwise.
 */
export function testChunk(part: number, overrides: Partial<InviteChunk> = {}): InviteChunk {
  return {
    v: 1,
    requestId: 'req-1',
    part,
    parts: 9,
    spaceId: 'SPACE1',
    title: `T${part}`,
    body: 'B',
    accessorIds: [`user-${part}`],
    ...overrides,
  };
}

/** The message the worker receives for a chunk (ID `m<part>`), or for raw text. */
export function receivedMessage(body: string | InviteChunk, receiveCount = 1): ReceivedMessage {
  const text = typeof body === 'string' ? body : encodeInviteChunk(body);
  const id = typeof body === 'string' ? `raw-${body.length}` : `m${body.part}`;
  return { messageId: id, receiptHandle: `rh-${id}`, body: text, receiveCount };
}
