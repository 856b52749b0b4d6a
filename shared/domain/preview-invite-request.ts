import { assertSpaceAllowed } from './accept-invite-request.ts';
import { LedgerUnavailableError } from './errors.ts';
import { planInviteChunks } from './invite-chunk.ts';
import type { InviteRequest } from './invite-request.ts';
import type { InviteHistory } from './ports.ts';

/** The answer to a dry run: what the request would do, with nothing queued or recorded. */
export interface DryRunAnswer {
  dryRun: true;
  accessorCount: number;
  /** Invited to the space within `REINVITE_AFTER_DAYS`. */
  alreadyInvited: number;
  /** Those who would get an invitation now: all of them with `resend`, else the rest. */
  wouldInvite: number;
  messageCount: number;
}

export interface PreviewDependencies {
  history: InviteHistory;
  /** `REINVITE_AFTER_DAYS` in milliseconds; nobody counts as invited already at 0. */
  windowMs: number;
  maxMessageBytes: number;
  allowedSpaceIds?: ReadonlySet<string>;
  now?: () => number;
}

/**
 * What a validated request would do, without queueing or recording anything: how many of its
 * accessors were invited to the space recently and how many would be invited now. Throws
 * `SpaceNotAllowedError`, and `LedgerUnavailableError` when the history cannot be read.
 */
export async function previewInviteRequest(
  request: InviteRequest,
  dependencies: PreviewDependencies,
  /** This call's own request ID: sized as the real request's would be, the chunks count alike. */
  requestId = 'dry-run',
): Promise<DryRunAnswer> {
  assertSpaceAllowed(request.spaceId, dependencies.allowedSpaceIds);
  const now = (dependencies.now ?? Date.now)();
  let alreadyInvited = 0;
  if (dependencies.windowMs > 0) {
    try {
      const since = now - dependencies.windowMs;
      alreadyInvited = (
        await dependencies.history.invitedSince(request.spaceId, request.accessorIds, since, now)
      ).size;
    } catch (error) {
      throw new LedgerUnavailableError({ cause: error });
    }
  }
  const accessorCount = request.accessorIds.length;
  return {
    dryRun: true,
    accessorCount,
    alreadyInvited,
    wouldInvite: request.resend ? accessorCount : accessorCount - alreadyInvited,
    messageCount: planInviteChunks(request, requestId, dependencies.maxMessageBytes).length,
  };
}
