import {
  PART_OUTCOMES,
  type PartSummary,
  type RequestRecord,
  type RequestSource,
} from './request-record.ts';

export const REQUEST_STATUSES = {
  running: 'Running',
  succeeded: 'Succeeded',
  completedWithErrors: 'CompletedWithErrors',
  failed: 'Failed',
} as const;

export type RequestStatusName = (typeof REQUEST_STATUSES)[keyof typeof REQUEST_STATUSES];

/** The answer to `GET /requests/{requestId}`. */
export interface RequestStatus {
  requestId: string;
  spaceId: string;
  source: RequestSource;
  requestedBy: string;
  status: RequestStatusName;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
  accessors: { total: number; invited: number; skipped: number; pending: number; failed: number };
  failures: { errorType: string; errorMessage: string; accessorCount: number }[];
}

/**
 * A request's status from its record and its settled parts. Every accessor is counted once:
 * `total = invited + skipped + pending + failed`, where pending is what no settled part covers.
 * Running while anything is pending; then Succeeded without failures (no failed accessor and no
 * failed part), Failed when nothing was invited or skipped, CompletedWithErrors otherwise.
 */
export function summarizeRequest(
  record: RequestRecord,
  parts: readonly PartSummary[],
): RequestStatus {
  let invited = 0;
  let skipped = 0;
  let failed = 0;
  let updatedAt = record.createdAt;
  const failures = new Map<
    string,
    { errorType: string; errorMessage: string; accessorCount: number }
  >();
  for (const part of parts) {
    invited += part.invited;
    skipped += part.skipped;
    failed += part.failed;
    updatedAt = Math.max(updatedAt, part.updatedAt);
    // A failed part is a failure even when it names no accessor (an HR event refused before
    // any ID could be read): such a request reads Failed, with its reason, never Succeeded.
    if (part.failed === 0 && part.outcome !== PART_OUTCOMES.failed) continue;
    const errorType = part.errorType ?? 'UnknownError';
    const errorMessage = part.errorMessage ?? errorType;
    const key = JSON.stringify([errorType, errorMessage]);
    const group = failures.get(key) ?? { errorType, errorMessage, accessorCount: 0 };
    group.accessorCount += part.failed;
    failures.set(key, group);
  }
  // Parts are disjoint slices of the request, so settled counts never pass the total.
  const pending = Math.max(0, record.accessorCount - invited - skipped - failed);
  return {
    requestId: record.requestId,
    spaceId: record.spaceId,
    source: record.source,
    requestedBy: record.requestedBy,
    status: statusOf({ invited, skipped, pending, failed }, failures.size > 0),
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(updatedAt).toISOString(),
    expiresAt: new Date(record.expiresAt).toISOString(),
    accessors: { total: invited + skipped + pending + failed, invited, skipped, pending, failed },
    failures: [...failures.values()].sort((a, b) => b.accessorCount - a.accessorCount),
  };
}

function statusOf(
  counts: { invited: number; skipped: number; pending: number; failed: number },
  anyFailure: boolean,
) {
  if (counts.pending > 0) return REQUEST_STATUSES.running;
  if (!anyFailure) return REQUEST_STATUSES.succeeded;
  if (counts.invited + counts.skipped === 0) return REQUEST_STATUSES.failed;
  return REQUEST_STATUSES.completedWithErrors;
}
