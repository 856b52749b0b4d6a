import { EnqueueError, SpaceNotAllowedError } from './errors.ts';
import { encodeInviteChunk, planInviteChunks } from './invite-chunk.ts';
import type { InviteRequest } from './invite-request.ts';
import type { InviteQueue } from './ports.ts';

export interface AcceptDependencies {
  queue: InviteQueue;
  /** Largest chunk message, in bytes. */
  maxMessageBytes: number;
  /** Spaces this deployment may invite to; every space when undefined. */
  allowedSpaceIds?: ReadonlySet<string>;
}

export interface AcceptedRequest {
  requestId: string;
  accessorCount: number;
  messageCount: number;
}

/** Throws `SpaceNotAllowedError` when the space is outside the allowed list. */
export function assertSpaceAllowed(spaceId: string, allowed?: ReadonlySet<string>): void {
  if (allowed !== undefined && !allowed.has(spaceId)) throw new SpaceNotAllowedError(spaceId);
}

/**
 * Splits a validated request into chunks and queues them all.
 * Throws `SpaceNotAllowedError` before queueing anything, and `EnqueueError` (with the parts
 * that were and were not queued) when some parts could not be queued.
 */
export async function acceptInviteRequest(
  request: InviteRequest,
  requestId: string,
  dependencies: AcceptDependencies,
): Promise<AcceptedRequest> {
  assertSpaceAllowed(request.spaceId, dependencies.allowedSpaceIds);
  const chunks = planInviteChunks(request, requestId, dependencies.maxMessageBytes);
  const messages = chunks.map((chunk) => ({
    id: String(chunk.part),
    body: encodeInviteChunk(chunk),
  }));
  const { queued, failed, lastError } = await dependencies.queue.enqueue(messages);
  if (failed.length > 0) {
    const notQueued = new Set(failed);
    throw new EnqueueError(
      queued.map(Number).sort((a, b) => a - b),
      messages.filter((message) => notQueued.has(message.id)),
      { cause: lastError },
    );
  }
  return { requestId, accessorCount: request.accessorIds.length, messageCount: chunks.length };
}
