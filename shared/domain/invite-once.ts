import type { PlannedCall } from './delivery.ts';
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

/**
 * The accessors of a call to leave out because they were invited to its space within the
 * window. None for a `resend` call, with the window at 0, or when the history cannot be read:
 * the invite goes out rather than waiting for it.
 */
export async function recentlyInvited(
  call: PlannedCall,
  options: InviteOnceOptions | undefined,
  invitedEarlier: ReadonlySet<string> = new Set(),
): Promise<Set<string>> {
  if (options === undefined || options.windowMs <= 0 || call.chunks[0]?.chunk.resend)
    return new Set();
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
    for (const id of earlier) found.add(id);
    return found;
  } catch (error) {
    options.onError?.('lookup', error);
    return new Set(earlier);
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

/** A call without the skipped accessors, and what each of its chunks skipped. */
export function withoutSkipped(call: PlannedCall, skipped: ReadonlySet<string>) {
  if (skipped.size === 0)
    return { sent: call, skippedOf: (_ids: readonly string[]) => [] as string[] };
  return {
    sent: { ...call, accessorIds: call.accessorIds.filter((id) => !skipped.has(id)) },
    skippedOf: (ids: readonly string[]) => ids.filter((id) => skipped.has(id)),
  };
}

/** Which request of a call asked for each accessor (a call may merge several requests). */
export function requestOfAccessor(call: PlannedCall): (accessorId: string) => string | undefined {
  const requests = new Map<string, string>();
  for (const { chunk } of call.chunks) {
    for (const id of chunk.accessorIds) if (!requests.has(id)) requests.set(id, chunk.requestId);
  }
  return (accessorId) => requests.get(accessorId);
}
