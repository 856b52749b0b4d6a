/** Where a request came from: the HTTP API or an HR event. */
export type RequestSource = 'http' | 'event';

/** A request as the ledger keeps it from the moment the intake accepts it. */
export interface RequestRecord {
  requestId: string;
  spaceId: string;
  source: RequestSource;
  /** The IAM principal that called the API, or the HR event's account and source. */
  requestedBy: string;
  /** Distinct accessors in the request. */
  accessorCount: number;
  /** Chunks the request was split into. */
  partCount: number;
  /** Epoch milliseconds. */
  createdAt: number;
  /** Epoch milliseconds; the record is gone after this, whether or not TTL has removed it yet. */
  expiresAt: number;
}

export const PART_OUTCOMES = { delivered: 'delivered', failed: 'failed' } as const;

export type PartOutcomeKind = (typeof PART_OUTCOMES)[keyof typeof PART_OUTCOMES];

/**
 * What became of one chunk, written once it is settled: delivered (its accessors invited or
 * skipped as already invited) or failed for good (with the reason). A failed part may still
 * be delivered later, after a redrive; a delivered part stays delivered.
 */
export interface PartOutcome {
  requestId: string;
  part: number;
  outcome: PartOutcomeKind;
  invitedCount: number;
  /** Accessors left out because they were invited to the space recently. */
  skippedIds: readonly string[];
  /** Accessors of a failed part that were not skipped. */
  failedIds: readonly string[];
  errorType?: string;
  errorMessage?: string;
  /** Epoch milliseconds. */
  at: number;
}

/** A settled part's counts, as the status reads them. */
export interface PartSummary {
  part: number;
  outcome: PartOutcomeKind;
  invited: number;
  skipped: number;
  failed: number;
  errorType?: string;
  errorMessage?: string;
  /** Epoch milliseconds. */
  updatedAt: number;
}

/** One accessor that was not invited, and why. */
export interface AccessorResult {
  accessorId: string;
  errorType?: string;
  errorMessage?: string;
}

export const ACCESSOR_RESULT_KINDS = { failed: 'failed', skipped: 'skipped' } as const;

export type AccessorResultKind = (typeof ACCESSOR_RESULT_KINDS)[keyof typeof ACCESSOR_RESULT_KINDS];
