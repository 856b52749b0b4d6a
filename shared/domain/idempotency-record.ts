export const IDEMPOTENCY_STATES = {
  inProgress: 'inProgress',
  /** Every chunk was queued: a repeat gets the same answer. */
  completed: 'completed',
  /** Some chunks were not queued (503): a repeat queues the rest. */
  partial: 'partial',
} as const;

export type IdempotencyState = (typeof IDEMPOTENCY_STATES)[keyof typeof IDEMPOTENCY_STATES];

/** What the ledger keeps for one key. */
export interface IdempotencyRecord {
  fingerprint: string;
  requestId: string;
  /**
   * The attempt that holds the key, or last held it: a token of its own, so that two attempts
   * (two retries in the same millisecond, two deliveries of one HR event) never pass for one
   * another, and one that lost the key cannot write over the attempt that took it.
   */
  attempt: string;
  state: IdempotencyState;
  /** Epoch milliseconds; while in progress, the first request holds the key until then. */
  lockedUntil: number;
  accessorCount: number;
  messageCount: number;
  /** Parts already queued (partial). */
  queuedParts: number[];
  /**
   * The largest chunk message the first attempt split the request by: a resumed request is split
   * the same way, so its part numbers still name the same accessors whatever
   * `QUEUE_MAX_MESSAGE_BYTES` says now. Absent on keys written before it was kept.
   */
  maxMessageBytes?: number;
}

/** What a take-over of an idempotency key writes. */
export interface KeyTakeOver {
  attempt: string;
  lockedUntil: number;
  /** Epoch milliseconds: the key lives at least as long as the attempt that holds it. */
  expiresAt: number;
}

/** Keeps one answer per idempotency key, so a repeated request is never queued twice. */
export interface IdempotencyStore {
  /**
   * Claims `key` for a new request with `record`, unless a live record holds it; then resolves
   * to that record. A record past `now`'s expiry counts as gone.
   */
  claim(
    key: string,
    record: IdempotencyRecord,
    expiresAt: number,
    now: number,
  ): Promise<IdempotencyRecord | undefined>;
  /**
   * Takes `key` over from `expected`, unchanged since it was read, for a new attempt, and keeps
   * the key until `taken.expiresAt`; false when it changed (another attempt took it first).
   */
  takeOver(key: string, expected: IdempotencyRecord, taken: KeyTakeOver): Promise<boolean>;
  /**
   * Writes the state of the request that holds `key`, while `record.attempt` still holds it;
   * false when another attempt has taken the key since (or nobody holds it), and nothing is written.
   */
  settle(key: string, record: IdempotencyRecord): Promise<boolean>;
}
