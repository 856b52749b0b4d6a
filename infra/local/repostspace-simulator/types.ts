import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { SimulatorDeliveries } from './delivery-log.ts';
import type { SimulatorFaults } from './faults.ts';
import type { SimulatorThrottle } from './token-bucket.ts';

export interface RepostspaceSimulatorOptions {
  /** 0, the default, picks a free port. */
  port?: number;
  host?: string;
  /**
   * The credentials callers sign with: a signature they do not produce, or an `x-amz-date` more
   * than 15 minutes off `now`, answers 403 `InvalidSignatureException`, another access key 403
   * `UnrecognizedClientException`. When undefined only the signature's shape and scope are checked.
   */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** The region callers must sign for (403 `InvalidSignatureException` otherwise); any when undefined. */
  region?: string;
  /** Every well-formed space exists when undefined; others answer 404 when given. */
  knownSpaceIds?: readonly string[];
  throttle?: SimulatorThrottle;
  faults?: SimulatorFaults;
  /** Drawn once per call that passes the throttle, when any fault rate is set. */
  random?: () => number;
  /** Milliseconds; drives the token bucket and `at` of deliveries. */
  now?: () => number;
  /** Deliveries kept in full (title and body included); every delivery is counted. */
  recentDeliveryLimit?: number;
}

export interface SimulatorStats {
  /** Every HTTP request received. */
  calls: number;
  /** Successful SendInvites calls. */
  deliveries: number;
  /** Accessor IDs in successful calls, repeats included. */
  deliveredAccessors: number;
  /** Distinct (space, accessor) pairs delivered. */
  distinctAccessors: number;
  /** Deliveries of a (space, accessor) pair beyond its first. */
  duplicateAccessors: number;
  throttled: number;
  internalErrors: number;
  dropped: number;
  hung: number;
  /** Calls delivered whose answer was lost on purpose (`lostAnswerRate`). */
  lostAnswers: number;
  /** Accessor IDs in those calls: the ones a caller may send, and the service deliver, again. */
  lostAnswerAccessors: number;
  /** Answered 4xx other than 429: unsigned, unknown operation, invalid input, unknown space. */
  rejected: number;
}

export interface RepostspaceSimulator {
  /** The endpoint to give a client, e.g. `AWS_ENDPOINT_URL_REPOSTSPACE`. */
  url: string;
  port: number;
  deliveries: SimulatorDeliveries;
  stats(): SimulatorStats;
  /** Replaces the fault rates for the calls that follow. */
  setFaults(faults: SimulatorFaults): void;
  /** Replaces the spaces known to the calls that follow; undefined knows every space. */
  setKnownSpaceIds(ids: readonly string[] | undefined): void;
  /**
   * Resolves once at least `count` accessor IDs were delivered (repeats included).
   * Rejects when `signal` aborts or the simulator stops first.
   */
  waitForDeliveredAccessors(
    count: number,
    options?: { signal?: AbortSignal },
  ): Promise<SimulatorStats>;
  /** Closes every connection, hung ones included. */
  stop(): Promise<void>;
}
