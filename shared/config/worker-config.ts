import { publicRepostspaceEndpoint } from '../adapters/repostspace/endpoint.ts';
import { configuredRegion } from './aws-config.ts';
import type { Environment } from './environment.ts';
import { type LedgerConfig, SettingsReader, type TelemetryConfig } from './settings-reader.ts';

export interface WorkerConfig {
  invitesQueueUrl: string;
  deadLetterQueueUrl: string;
  /** Longest a SendInvites call may take before it counts as a timeout. */
  sendInvitesTimeoutMs: number;
  /** No call starts with less invocation time left than this. */
  callBudgetMs: number;
  /** The invites queue's `maxReceiveCount` (`MAX_RECEIVE_COUNT`, default 100). */
  maxReceiveCount: number;
  /**
   * How long after its oldest request was accepted the call of a batch of fewer accessors than a
   * call takes should start: until then it is topped up and pooled (`TOP_UP_WINDOW_MS`; 0: never).
   */
  topUpWindowMs: number;
  /** Where the SendInvites client signs for and sends to. */
  repostspace: { region: string; endpoint: string };
  /** `AWS_ENDPOINT_URL_SQS` (or `AWS_ENDPOINT_URL`); AWS's own endpoint when undefined. */
  sqsEndpoint?: string;
  ledger: LedgerConfig;
  telemetry: TelemetryConfig;
}

/** Time kept for handing messages back or parking them after the last call. */
const BOOKKEEPING_MS = 2_000;

/**
 * Reads the worker's settings from the environment once: the queues, the SendInvites timeout,
 * and re:Post Private's region (`AWS_REGION`) and endpoint (`AWS_ENDPOINT_URL_REPOSTSPACE`,
 * else the region's public one). Throws `ConfigurationError` naming every invalid variable.
 */
export function readWorkerConfig(env: Environment): WorkerConfig {
  const read = new SettingsReader(env);
  // At most half the worker's 60 s timeout: a call, and two seconds of bookkeeping, must still
  // fit after a wait for its start, or none would ever begin.
  const timeout = read.integer('SEND_INVITES_TIMEOUT_MS', 10_000, 100, 30_000);
  const region = configuredRegion(env);
  if (region === undefined) {
    read.problems.push('AWS_REGION (or AWS_DEFAULT_REGION) is required to call re:Post Private');
  }
  const endpoint = read.endpoint('REPOSTSPACE') ?? publicRepostspaceEndpoint(region ?? 'us-east-1');
  const config: WorkerConfig = {
    invitesQueueUrl: read.required('INVITES_QUEUE_URL'),
    deadLetterQueueUrl: read.required('DEAD_LETTER_QUEUE_URL'),
    sendInvitesTimeoutMs: timeout,
    callBudgetMs: timeout + BOOKKEEPING_MS,
    maxReceiveCount: read.integer('MAX_RECEIVE_COUNT', 100, 1, 1_000),
    topUpWindowMs: read.integer('TOP_UP_WINDOW_MS', 0, 0, 300_000),
    repostspace: { region: region ?? '', endpoint },
    ledger: read.ledger(),
    telemetry: read.telemetry(),
  };
  const sqsEndpoint = read.endpoint('SQS');
  if (sqsEndpoint !== undefined) config.sqsEndpoint = sqsEndpoint;
  read.done();
  return config;
}
