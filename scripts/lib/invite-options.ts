import type { RetryPolicy } from './retry-policy.ts';
import { INVITE_REQUEST_LIMITS } from './split-requests.ts';

export interface InviteOptions {
  /** The invite API's base URL. */
  url: string;
  spaceId: string;
  /** Accessor IDs: a text file, one per line, or a CSV file. */
  file: string;
  title: string;
  body: string;
  /** The header of the accessor column; the file is then read as CSV. */
  column?: string;
  /** `false` when the file has no header row (`--no-header`); the file is then read as CSV. */
  header?: boolean;
  region?: string;
  /** Undefined signs unless the URL is loopback and the environment holds no credentials. */
  sign?: boolean;
  idsPerRequest?: number;
  maxRequestBytes?: number;
  /** Requests in flight at once. */
  concurrency?: number;
  /** Where to write the JSON report; the accessors not invited also go to the same name `.csv`. */
  report?: string;
  /** Follow every request's status until it settles, and report the accessors not invited. */
  wait?: boolean;
  /** Invite everyone, even those invited to the space recently (`"resend": true`). */
  resend?: boolean;
  /** Only ask who would be invited: nothing is queued or recorded (`"dryRun": true`). */
  dryRun?: boolean;
  /** An earlier run's report: its requests are sent again with their `Idempotency-Key`s. */
  resume?: string;
  /** Shortest wait between two status polls (`--wait`). */
  pollIntervalMs?: number;
  retry?: RetryPolicy;
  requestTimeoutMs?: number;
}

export const INVITE_DEFAULTS = {
  idsPerRequest: INVITE_REQUEST_LIMITS.idsPerRequest,
  maxRequestBytes: INVITE_REQUEST_LIMITS.maxRequestBytes,
  concurrency: 2,
  /** API Gateway ends an integration after 30 s; anything slower is a lost answer. */
  requestTimeoutMs: 60_000,
} as const;
