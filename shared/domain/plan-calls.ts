import { SEND_INVITES_LIMITS } from './constants.ts';
import type { PlannedCall, ReceivedChunk } from './delivery.ts';
import { partKey } from './delivery-recorder.ts';
import type { InviteChunk } from './invite.ts';
import { uniqueStrings } from './unique-strings.ts';

/** What chunks must share to go out in one call: space, title, body and `resend`. */
export function contentKeyOf(chunk: InviteChunk): string {
  const { spaceId, title, body, resend } = chunk;
  return JSON.stringify([spaceId, title, body, resend === true]);
}

/**
 * Merges chunks that share space, title, body and `resend` into as few calls of at most 1000 distinct
 * accessors as possible. A chunk is never split between calls, so each message's fate is one
 * call's outcome; calls keep the order in which their first chunk was received.
 */
export function planCalls(
  received: readonly ReceivedChunk[],
  maxAccessors: number = SEND_INVITES_LIMITS.maxAccessorsPerCall,
): PlannedCall[] {
  const open = new Map<string, { call: PlannedCall; ids: Set<string> }[]>();
  const calls: PlannedCall[] = [];
  for (const item of received) {
    const key = contentKeyOf(item.chunk);
    const candidates = open.get(key) ?? [];
    open.set(key, candidates);
    let target = candidates.find(({ ids }) => {
      let added = 0;
      for (const id of item.chunk.accessorIds) if (!ids.has(id)) added++;
      return ids.size + added <= maxAccessors;
    });
    if (target === undefined) {
      const { spaceId, title, body } = item.chunk;
      target = { call: { spaceId, title, body, accessorIds: [], chunks: [] }, ids: new Set() };
      candidates.push(target);
      calls.push(target.call);
    }
    target.call.chunks.push(item);
    for (const id of item.chunk.accessorIds) target.ids.add(id);
  }
  for (const call of calls)
    call.accessorIds = uniqueStrings(call.chunks.flatMap(({ chunk }) => chunk.accessorIds));
  return calls;
}

/** A call of one chunk: how each chunk of a refused merged call is tried alone. */
export function singleCall(received: ReceivedChunk): PlannedCall {
  const { spaceId, title, body, accessorIds } = received.chunk;
  return { spaceId, title, body, accessorIds, chunks: [received] };
}

/**
 * Splits a batch's chunks by what is left to send: those of a part known delivered
 * (`deliveredParts`), the first of each other part, and the copies after it: the same part with
 * the same body (a standard queue may deliver a message twice, and a retried intake may queue a
 * part again). A copy is not sent: tried alone after a refused merged call, or settled after its
 * twin, it would invite or count the same accessors twice. Two messages of one part that differ
 * are both sent.
 */
export function chunksToSend(
  received: readonly ReceivedChunk[],
  deliveredParts: ReadonlySet<string>,
): { send: ReceivedChunk[]; delivered: ReceivedChunk[]; copies: ReceivedChunk[] } {
  const sorted = {
    send: [] as ReceivedChunk[],
    delivered: [] as ReceivedChunk[],
    copies: [] as ReceivedChunk[],
  };
  const seen = new Set<string>();
  for (const item of received) {
    const key = partKey(item);
    const copy = `${key}\n${item.message.body}`;
    if (deliveredParts.has(key)) sorted.delivered.push(item);
    else if (seen.has(copy)) sorted.copies.push(item);
    else {
      seen.add(copy);
      sorted.send.push(item);
    }
  }
  return sorted;
}

/** What SendInvites is asked for a planned call: its space, accessors, title and body. */
export function sendInvitesInput(call: PlannedCall) {
  const { spaceId, accessorIds, title, body } = call;
  return { spaceId, accessorIds, title, body };
}
