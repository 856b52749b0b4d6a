import type { PlannedCall, ReceivedChunk } from './delivery.ts';
import type { InviteChunk } from './invite.ts';
import type { InviteHistory } from './ports.ts';

/** What inviting each person once needs: the history, and how long an invite counts. */
export interface InviteOnceOptions {
  history: InviteHistory;
  /** `REINVITE_AFTER_DAYS` in milliseconds; nothing is skipped at 0. */
  windowMs: number;
  now: () => number;
  /** Hears every history call that failed; invites go out without it. */
  onError?: (action: 'lookup' | 'remember', error: unknown) => void;
}

/** Accessors invited to a space recently, each with the request that invited them when known. */
export type InvitedRecently = ReadonlyMap<string, string | undefined>;

/**
 * The accessors of a call to leave out because they were invited to its space within the
 * window. None for a `resend` call, with the window at 0, or when the history cannot be read:
 * the invite goes out rather than waiting for it.
 */
export async function recentlyInvited(
  call: PlannedCall,
  options: InviteOnceOptions | undefined,
  invitedEarlier: ReadonlySet<string> = new Set(),
): Promise<InvitedRecently> {
  if (options === undefined || options.windowMs <= 0 || call.chunks[0]?.chunk.resend)
    return new Map();
  // Invited by an earlier call of the same invocation, whose record may still be on its way.
  const earlier = call.accessorIds.filter((id) => invitedEarlier.has(id));
  try {
    const now = options.now();
    const found = await options.history.invitedSince(
      call.spaceId,
      call.accessorIds,
      now - options.windowMs,
      now,
    );
    for (const id of earlier) if (!found.has(id)) found.set(id, undefined);
    return found;
  } catch (error) {
    options.onError?.('lookup', error);
    return new Map(earlier.map((id) => [id, undefined]));
  }
}

/**
 * Remembers the accessors a successful call invited, until the window ends. A failure is only
 * heard: the invites went out, and at worst the next request invites them again.
 */
export async function rememberInvited(
  spaceId: string,
  accessorIds: readonly string[],
  options: InviteOnceOptions | undefined,
  requestIdOf?: (accessorId: string) => string | undefined,
): Promise<void> {
  if (options === undefined || options.windowMs <= 0 || accessorIds.length === 0) return;
  const at = options.now();
  try {
    await options.history.remember(spaceId, accessorIds, at, at + options.windowMs, requestIdOf);
  } catch (error) {
    options.onError?.('remember', error);
  }
}

/**
 * A call without the accessors invited recently; the chunks that add nobody to it, delivered
 * whatever becomes of the call; and whom each chunk left out. Those a chunk's own request invited
 * are not sent again, but count as invited, not skipped: the chunk was delivered before and its
 * outcome lost (IDs are unique within a request).
 */
export function withoutSkipped(
  call: PlannedCall,
  invited: InvitedRecently,
  /** Whether a chunk that adds nobody may leave the call; it stays in it otherwise. */
  mayLeave: (item: ReceivedChunk) => boolean = () => true,
) {
  const skippedOf = ({ accessorIds, requestId }: InviteChunk) =>
    accessorIds.filter((id) => invited.has(id) && invited.get(id) !== requestId);
  if (invited.size === 0) return { sent: call, skippedOf, nothingToSend: [] as ReceivedChunk[] };
  const adds = (item: ReceivedChunk) =>
    !mayLeave(item) || item.chunk.accessorIds.some((id) => !invited.has(id));
  const sent = {
    ...call,
    chunks: call.chunks.filter(adds),
    accessorIds: call.accessorIds.filter((id) => !invited.has(id)),
  };
  return { sent, skippedOf, nothingToSend: call.chunks.filter((item) => !adds(item)) };
}

/** Which request of a call asked for each accessor (a call may merge several requests). */
export function requestOfAccessor(call: PlannedCall): (accessorId: string) => string | undefined {
  const requests = new Map<string, string>();
  for (const { chunk } of call.chunks) {
    for (const id of chunk.accessorIds) if (!requests.has(id)) requests.set(id, chunk.requestId);
  }
  return (accessorId) => requests.get(accessorId);
}
